# Shared by scripts/check_*.sh: grep the project's C++ files for forbidden
# patterns. The caller sets ROOT, SCANNED (directories under ROOT), SKIPPED
# (path prefixes under ROOT), ALLOWED (exact paths under ROOT) and PATTERNS
# (extended regular expressions), then calls run_source_check "<what is
# wrong>". Prints each offending line as path:line: text and returns 1 if
# there is any; 2 if ROOT has none of the SCANNED directories (so a wrong
# ROOT cannot pass silently).

# Prints the C++ files to check, one path relative to ROOT per line.
source_check_files() {
  local dir
  for dir in "${SCANNED[@]}"; do
    [ -d "$ROOT/$dir" ] || continue
    (cd "$ROOT" && find "$dir" -type f \( -name '*.h' -o -name '*.hpp' \
        -o -name '*.cc' -o -name '*.cpp' \) -print)
  done | LC_ALL=C sort
}

# Returns 0 if `path` is allowed or skipped.
source_check_exempt() {
  local path="$1" entry
  for entry in "${ALLOWED[@]+"${ALLOWED[@]}"}"; do
    [ "$path" = "$entry" ] && return 0
  done
  for entry in "${SKIPPED[@]+"${SKIPPED[@]}"}"; do
    case "$path" in "$entry"*) return 0 ;; esac
  done
  return 1
}

run_source_check() {
  local what="$1" found_dir=0 dir
  for dir in "${SCANNED[@]}"; do
    [ -d "$ROOT/$dir" ] && found_dir=1
  done
  if [ "$found_dir" -eq 0 ]; then
    echo "$(basename "$0"): none of ${SCANNED[*]} exists under $ROOT" >&2
    return 2
  fi

  local combined path hits violations=0 files=0
  combined="$(IFS='|'; echo "${PATTERNS[*]}")"
  while IFS= read -r path; do
    source_check_exempt "$path" && continue
    files=$((files + 1))
    # Drop // comments (line numbers stay), then match.
    hits="$(sed -e 's://.*$::' "$ROOT/$path" | grep -nE -- "$combined" || true)"
    [ -z "$hits" ] && continue
    while IFS= read -r hit; do
      echo "$path:$hit"
      violations=$((violations + 1))
    done <<< "$hits"
  done < <(source_check_files)

  if [ "$violations" -gt 0 ]; then
    echo "$(basename "$0"): $violations line(s) above $what" >&2
    return 1
  fi
  echo "$(basename "$0"): $files files clean"
}

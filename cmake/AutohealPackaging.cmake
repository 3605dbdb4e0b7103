# The Debian package of autoheal's two programs (scripts/package.sh): the
# CPack DEB generator, and the install rules only the package uses, all in
# the install component "deb" so that the package holds them and nothing
# else (not the headers and libraries of AUTOHEAL_INSTALL).
#
#   cmake -S . -B build-package -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-package --target autoheal_package_files
#   cd build-package && cpack -G DEB
#
# Files: packaging/ (unit, /etc/default/autoheal, maintainer scripts,
# copyright, changelog). /etc/autoheal/policy.yml is generated at build time
# from the embedded default policy itself (packaging/print_default_policy.cc).
# Checks: tests/packaging/ (the ctest packaging_deb, plus the fresh-root and
# image tests documented in README.md).

if(NOT TARGET autoheal-webhook OR NOT TARGET autoheal-cli)
  message(STATUS "autoheal: no Debian package rules (they need "
                 "AUTOHEAL_BUILD_EXAMPLES and AUTOHEAL_BUILD_RECEIVER)")
  return()
endif()

set(_pkg_src "${PROJECT_SOURCE_DIR}/packaging")
set(_pkg_bin "${PROJECT_BINARY_DIR}/packaging")
set(_pkg_doc "share/doc/autoheal")

# The changelog's newest entry is the package's version: fail here rather
# than ship a package whose changelog names another one.
file(STRINGS "${_pkg_src}/changelog" _pkg_changelog_top LIMIT_COUNT 1)
if(NOT _pkg_changelog_top MATCHES "^autoheal \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "packaging/changelog: its first line is "
    "\"${_pkg_changelog_top}\"; expected an entry for version "
    "${PROJECT_VERSION} (project(autoheal VERSION ...)): add one")
endif()

# /etc/autoheal/policy.yml: the embedded default policy, written by the code
# that embeds it.
add_executable(autoheal_print_default_policy
  "${_pkg_src}/print_default_policy.cc")
target_link_libraries(autoheal_print_default_policy PRIVATE autoheal::yaml)
autoheal_target_warnings(autoheal_print_default_policy)
add_custom_command(
  OUTPUT "${_pkg_bin}/policy.yml"
  COMMAND autoheal_print_default_policy "${_pkg_bin}/policy.yml"
  DEPENDS autoheal_print_default_policy
  COMMENT "Writing the package's policy.yml from the embedded default policy"
  VERBATIM)
# changelog.gz (a native package: the version has no Debian revision):
# gzip -n, so that the package is reproducible.
add_custom_command(
  OUTPUT "${_pkg_bin}/changelog.gz"
  COMMAND sh -c "gzip -9nc \"$0\" > \"$1\"" "${_pkg_src}/changelog"
          "${_pkg_bin}/changelog.gz"
  DEPENDS "${_pkg_src}/changelog"
  VERBATIM)
add_custom_target(autoheal_package_files ALL
  DEPENDS "${_pkg_bin}/policy.yml" "${_pkg_bin}/changelog.gz"
          autoheal-webhook autoheal-cli)

# Install rules, component "deb" only. Paths under /usr are relative to
# CPACK_PACKAGING_INSTALL_PREFIX; /etc and /lib are absolute.
install(TARGETS autoheal-webhook autoheal-cli
        RUNTIME DESTINATION bin COMPONENT deb)
install(FILES "${_pkg_bin}/policy.yml"
        DESTINATION /etc/autoheal COMPONENT deb)
install(FILES "${_pkg_src}/default"
        DESTINATION /etc/default RENAME autoheal COMPONENT deb)
install(FILES "${_pkg_src}/autoheal-webhook.service"
        DESTINATION /lib/systemd/system COMPONENT deb)
install(FILES "${PROJECT_SOURCE_DIR}/README.md"
              "${_pkg_src}/README.Debian"
              "${_pkg_src}/copyright"
              "${_pkg_bin}/changelog.gz"
        DESTINATION "${_pkg_doc}" COMPONENT deb)
file(GLOB _pkg_docs "${PROJECT_SOURCE_DIR}/docs/*.md")
install(FILES ${_pkg_docs} DESTINATION "${_pkg_doc}/docs" COMPONENT deb)

# Maintainer scripts and conffiles: copied with fixed modes, as dpkg wants.
file(MAKE_DIRECTORY "${_pkg_bin}/control")
foreach(_script postinst prerm postrm)
  file(COPY "${_pkg_src}/${_script}" DESTINATION "${_pkg_bin}/control"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                        GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
file(WRITE "${_pkg_bin}/control/conffiles"
     "/etc/autoheal/policy.yml\n/etc/default/autoheal\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME autoheal)
set(CPACK_PACKAGE_VENDOR "the autoheal authors")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "remediation engine for Prometheus Alertmanager alerts")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
    WORLD_READ WORLD_EXECUTE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL deb)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_PACKAGE_NAME autoheal)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER
    "Seed 348699c6 maintainers <maintainers@users.noreply.r-seed-348699c6.example>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"autoheal decides, for every alert Alertmanager sends it, whether to run the
known fix now, pretend to (dry-run), or skip, and says why. It is off
(dry-run) unless enabled, runs at most one action per key per cooldown, and
audits every decision.
.
This package holds the webhook receiver autoheal-webhook, run by the
sandboxed systemd unit autoheal-webhook.service as the system user autoheal,
and the command autoheal (validate, explain, lint, state).")
# dpkg-shlibdeps computes the libraries' packages; adduser is for postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_pkg_bin}/control/postinst" "${_pkg_bin}/control/prerm"
    "${_pkg_bin}/control/postrm" "${_pkg_bin}/control/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

if(AUTOHEAL_BUILD_TESTS)
  # Builds the .deb from this tree's programs (cpack), then checks it:
  # dpkg-deb contents and fields, lintian (no errors), systemd-analyze
  # verify, every loaded library's package among Depends.
  add_test(NAME packaging_deb
           COMMAND bash "${PROJECT_SOURCE_DIR}/tests/packaging/deb_test.sh"
                   "${PROJECT_BINARY_DIR}")
  set_tests_properties(packaging_deb PROPERTIES
    LABELS packaging TIMEOUT 300 RUN_SERIAL ON)
endif()

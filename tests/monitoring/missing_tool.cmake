# Fails a monitoring check whose tool was not found at configure time:
#   cmake -DTOOL=<cache variable> -DPACKAGE=<Debian package> -P missing_tool.cmake
# The checks must fail, not skip, when their tool is missing.
message(FATAL_ERROR
  "${TOOL} was not found when CMake configured this build: install the "
  "Debian package ${PACKAGE} (scripts/setup.sh does), then reconfigure")

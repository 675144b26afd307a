# hvdbPackage.cmake - the files that let other builds find an installed
# libhvdb: hvdb.pc (pkg-config) and hvdbConfig.cmake, its version file and
# hvdbTargets.cmake (find_package(hvdb) -> hvdb::hvdb, hvdb::hvdb_static).
# Included from src/CMakeLists.txt after install(TARGETS ... EXPORT
# hvdbTargets). Everything is relative to the install prefix, so the prefix
# may be chosen at install time (cmake --install build --prefix DIR).
include(CMakePackageConfigHelpers)

set(HVDB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hvdb)
set(HVDB_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# hvdb.pc: ${pcfiledir}/<this> is the prefix ("../.." for lib/pkgconfig,
# "../../.." for Debian's lib/x86_64-linux-gnu/pkgconfig).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR
   IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "hvdb: CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR "
    "must be relative to the prefix (the install is relocatable)")
endif()
file(RELATIVE_PATH HVDB_PC_PREFIX_FROM_PCDIR
  /prefix/${HVDB_PKGCONFIG_DIR} /prefix)
string(REGEX REPLACE "/$" "" HVDB_PC_PREFIX_FROM_PCDIR
  "${HVDB_PC_PREFIX_FROM_PCDIR}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/hvdb.pc.in
  ${PROJECT_BINARY_DIR}/hvdb.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/hvdb.pc DESTINATION ${HVDB_PKGCONFIG_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hvdbConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hvdbConfig.cmake
  INSTALL_DESTINATION ${HVDB_CMAKE_DIR})
# 0.x: a minor release may change the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hvdbConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hvdbConfig.cmake
  ${PROJECT_BINARY_DIR}/hvdbConfigVersion.cmake
  DESTINATION ${HVDB_CMAKE_DIR})
install(EXPORT hvdbTargets NAMESPACE hvdb:: DESTINATION ${HVDB_CMAKE_DIR})

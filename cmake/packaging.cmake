# Installed documentation and the Debian package.
#
#   cmake --install BUILD --strip    binaries (stripped), units, man pages, bash completion, the
#                                    Python package (CMakeLists.txt)
#   cd BUILD && cpack -G DEB         shoal_VERSION_ARCH.deb; installing it creates the system
#                                    group `shoal` (members may use the system daemon), purging
#                                    it removes the group again.
include(GNUInstallDirs)

install(FILES ${CMAKE_SOURCE_DIR}/docs/man/shoal.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/shoald.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
# bash-completion loads completions/NAME on demand, when NAME is first completed.
install(FILES ${CMAKE_SOURCE_DIR}/docs/completion/shoal.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME shoal)

set(CPACK_PACKAGE_NAME shoal)
set(CPACK_PACKAGE_VENDOR "Shoal")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "process supervisor with shared values, arrays and a lock")
set(CPACK_PACKAGE_DESCRIPTION
  "shoald starts, watches and stops processes on request over a Unix socket, and keeps typed\n"
  "values, arrays and a lock in shared memory for them: Python's multiprocessing as a service.\n"
  "shoal is its command-line client; the Python package shoal gives multiprocessing's API.")
set(CPACK_PACKAGE_CONTACT "Shoal maintainers <shoal@localhost>")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Shoal maintainers <shoal@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Library dependencies are computed from the binaries; adduser runs the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# python3: the Python package (`import shoal`) ships in /usr/lib/python3/dist-packages.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, python3 (>= 3.11)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
  ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
  ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The package's binaries carry no symbol table or debug information (a RelWithDebInfo build
# has both): smaller files to read from disk at every start of the CLI.
set(CPACK_STRIP_FILES ON)
include(CPack)

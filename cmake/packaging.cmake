# Installed documentation and the Debian package.
#
#   cmake --install BUILD --strip    binaries (stripped), units, the segment library with its
#                                    CMake and pkg-config files, man pages, completions for bash, zsh and
#                                    fish, the copyright file, the Python package (CMakeLists.txt)
#   packaging/build-deb.sh           shoal_VERSION_ARCH.deb from a tree of its own, without tests,
#                                    benchmarks or examples; installing it creates the system
#                                    group `shoal` (members may use the system daemon), purging
#                                    it removes the group again.
include(GNUInstallDirs)

# Who answers for the package: the Maintainer field, the changelog's signature and the
# copyright file's contact say the same.
set(SHOAL_MAINTAINER "Shoal maintainers <maintainers@users.noreply.r-seed-c9411835.example>")

# Man pages and the changelog are installed gzipped, as Debian policy wants them; -n keeps
# the name and time out of the archive, so the same sources give the same bytes.
find_program(SHOAL_GZIP gzip REQUIRED)
set(shoal_doc_dir ${CMAKE_BINARY_DIR}/doc)
set(shoal_gzipped)
function(shoal_gzip source name)
  set(plain ${shoal_doc_dir}/${name})
  add_custom_command(OUTPUT ${plain}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${shoal_doc_dir}
    COMMAND ${CMAKE_COMMAND} -E copy ${source} ${plain}
    COMMAND ${SHOAL_GZIP} -9 -n -f ${plain}
    DEPENDS ${source} VERBATIM)
  set(shoal_gzipped ${shoal_gzipped} ${plain}.gz PARENT_SCOPE)
endfunction()
shoal_gzip(${CMAKE_SOURCE_DIR}/docs/man/shoal.1 shoal.1)
shoal_gzip(${CMAKE_SOURCE_DIR}/docs/man/shoald.8 shoald.8)
shoal_gzip(${CMAKE_SOURCE_DIR}/packaging/debian/changelog changelog)
add_custom_target(shoal_docs ALL DEPENDS ${shoal_gzipped})

install(FILES ${shoal_doc_dir}/shoal.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${shoal_doc_dir}/shoald.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${shoal_doc_dir}/changelog.gz ${CMAKE_SOURCE_DIR}/packaging/debian/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Completions where each shell's own packages look for them, loaded when `shoal` is first
# completed.
install(FILES ${CMAKE_SOURCE_DIR}/docs/completion/shoal.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME shoal)
install(FILES ${CMAKE_SOURCE_DIR}/docs/completion/_shoal
  DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${CMAKE_SOURCE_DIR}/docs/completion/shoal.fish
  DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

set(CPACK_PACKAGE_NAME shoal)
set(CPACK_PACKAGE_VENDOR "Shoal")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "process supervisor with shared values, arrays and a lock")
# One string (several would be joined by ';'), lines under 80 columns; CPack indents them.
set(CPACK_PACKAGE_DESCRIPTION "\
shoald starts, watches and stops processes on request over a Unix socket,
and keeps typed values, arrays and a lock in shared memory for them:
Python's multiprocessing as a system service. shoal is its command-line
client, with a live full-screen view (shoal top); the Python package shoal
gives multiprocessing's API; the header-only C++ library maps the values.")
set(CPACK_PACKAGE_CONTACT "${SHOAL_MAINTAINER}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# No symbol table or debug information: smaller files to read at every start of the CLI.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SHOAL_MAINTAINER}")
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
include(CPack)

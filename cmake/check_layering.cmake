# The layering rules, checked on every build (CMakeLists.txt runs this before compiling
# anything) and by the layering tests on trees that break them.
#
#   cmake -DSHOAL_TREE=<source root> -P check_layering.cmake
#
# Every quoted or bracketed include of our own names its part, and each part may include only
# the parts below it:
#   common          common, shoal
#   daemon          common, shoal, daemon
#   client          common, shoal, client
#   bench           common, shoal, client, bench
#   tests/unit      common, shoal, daemon, client, unit
#   common/shoal    its own headers by bare name only: it is installed as include/shoal/
# A bare name or a path with `..` would resolve next to the including file and so walk
# around the per-part include roots; both are refused everywhere outside common/shoal.
# The include roots (CMakeLists.txt) make a forbidden include fail to compile as well; this
# check catches what the compiler cannot see: bare names and `..`.
if(NOT SHOAL_TREE)
  message(FATAL_ERROR "check_layering.cmake: set SHOAL_TREE to the source root")
endif()

get_filename_component(SHOAL_TREE ${SHOAL_TREE} ABSOLUTE)
set(parts common daemon client bench tests/unit)
set(allowed_common common shoal)
set(allowed_daemon common shoal daemon)
set(allowed_client common shoal client)
set(allowed_bench common shoal client bench)
set(allowed_tests/unit common shoal daemon client unit)
# Top directories that name one of our parts in an include; anything else is a system header.
set(own_tops common shoal daemon client bench unit)

set(violations)
foreach(part ${parts})
  if(NOT IS_DIRECTORY ${SHOAL_TREE}/${part})
    continue()
  endif()
  file(GLOB files ${SHOAL_TREE}/${part}/*.hpp ${SHOAL_TREE}/${part}/*.cpp)
  foreach(file ${files})
    file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
    file(RELATIVE_PATH shown ${SHOAL_TREE} ${file})
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*([\"<])([^\">]*)[\">].*$" "\\1;\\2" parsed "${line}")
      list(GET parsed 0 quote)
      list(GET parsed 1 name)
      if(quote STREQUAL "<")
        set(written "<${name}>")
      else()
        set(written "\"${name}\"")
      endif()
      list(JOIN allowed_${part} ", " allowed)
      if(name MATCHES "(^|/)\\.\\.(/|$)" OR name MATCHES "^/")
        list(APPEND violations "${shown}: #include ${written}: a relative or absolute path walks around the include roots; name the part instead (common/..., ${part}/...)")
        continue()
      endif()
      string(REGEX MATCH "^[^/]+/" top "${name}")
      string(REGEX REPLACE "/$" "" top "${top}")
      if(top STREQUAL "")
        if(quote STREQUAL "\"")
          list(APPEND violations "${shown}: #include ${written} names no part; name the part it belongs to (one of ${allowed}), as in \"common/${name}\"")
        endif()
        continue()
      endif()
      list(FIND own_tops ${top} own)
      if(own EQUAL -1)
        if(quote STREQUAL "\"")
          list(APPEND violations "${shown}: #include ${written} names no part of Shoal; use <${name}> for a system header")
        endif()
        continue()
      endif()
      list(FIND allowed_${part} ${top} permitted)
      if(permitted EQUAL -1)
        list(APPEND violations "${shown}: #include ${written}: ${part} may include only ${allowed}, not ${top}")
      endif()
    endforeach()
  endforeach()
endforeach()

# The installed header-only library includes only itself, by bare name.
file(GLOB shoal_headers ${SHOAL_TREE}/common/shoal/*.hpp)
foreach(file ${shoal_headers})
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  file(RELATIVE_PATH shown ${SHOAL_TREE} ${file})
  foreach(line ${lines})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*$" "\\1" name "${line}")
    if(name MATCHES "/" OR NOT EXISTS ${SHOAL_TREE}/common/shoal/${name})
      list(APPEND violations "${shown}: #include \"${name}\": the installed library (common/shoal) may include only its own headers, by bare name")
    endif()
  endforeach()
endforeach()

if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "layering: includes that break the rules in docs/architecture.md:\n  ${text}")
endif()

# cmake -P make_bundle.cmake: lays out one self-contained bundle directory (see launcher.cpp).
#   -DNAME=redraft-executor     the program's name (entry point and lib/<NAME>.bin)
#   -DBINARY=<path>             the dynamically linked program
#   -DLAUNCHER=<path>           its static launcher (hack/bundle/launcher.cpp)
#   -DOUT=<dir>                 the bundle directory (rebuilt from scratch)
#   -DSTRIP=<strip program>     optional: debug info is stripped from the bundled program
#   -DSTAMP=<file>              touched when done
#
# The libraries are exactly what `ldd` reports for BINARY on the build machine (its glibc loader
# resolves them the way the binary will resolve them at run time), copied under their sonames.
# The loader itself (the line without "=>") becomes lib/ld.so.
foreach(var NAME BINARY LAUNCHER OUT STAMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "make_bundle.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND ldd "${BINARY}" OUTPUT_VARIABLE ldd_out ERROR_VARIABLE ldd_err
                RESULT_VARIABLE ldd_rc)
if(NOT ldd_rc EQUAL 0)
  message(FATAL_ERROR "ldd ${BINARY} failed (${ldd_rc}): ${ldd_err}")
endif()

file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/lib")

string(REPLACE "\n" ";" lines "${ldd_out}")
set(have_loader FALSE)
foreach(line IN LISTS lines)
  string(STRIP "${line}" line)
  if(line STREQUAL "")
    continue()
  endif()
  if(line MATCHES "not found")
    message(FATAL_ERROR "${BINARY}: a library is missing: ${line}")
  elseif(line MATCHES "^([^ ]+) => ([^ ]+) \\(0x[0-9a-f]+\\)$")
    set(soname "${CMAKE_MATCH_1}")
    set(path "${CMAKE_MATCH_2}")
    set(dest "${OUT}/lib/${soname}")
  elseif(line MATCHES "^(/[^ ]+) \\(0x[0-9a-f]+\\)$")
    set(path "${CMAKE_MATCH_1}")
    set(dest "${OUT}/lib/ld.so")
    set(have_loader TRUE)
  elseif(line MATCHES "^[^ /]+ \\(0x[0-9a-f]+\\)$")
    continue()  # linux-vdso.so.1: provided by the kernel
  else()
    message(FATAL_ERROR "${BINARY}: unexpected ldd line: ${line}")
  endif()
  # Copy the file the soname symlink points at, under the soname.
  file(REAL_PATH "${path}" real)
  file(COPY_FILE "${real}" "${dest}")
endforeach()
if(NOT have_loader)
  message(FATAL_ERROR "${BINARY}: ldd listed no dynamic loader (a static binary needs no bundle)")
endif()

set(program "${OUT}/lib/${NAME}.bin")
file(COPY_FILE "${BINARY}" "${program}")
if(STRIP)
  execute_process(COMMAND "${STRIP}" --strip-debug "${program}" RESULT_VARIABLE strip_rc)
  if(NOT strip_rc EQUAL 0)
    message(FATAL_ERROR "${STRIP} --strip-debug ${program} failed")
  endif()
endif()
file(COPY_FILE "${LAUNCHER}" "${OUT}/${NAME}")

file(GLOB libs "${OUT}/lib/*")
set(manifest "")
foreach(f IN LISTS libs)
  file(CHMOD "${f}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  get_filename_component(fname "${f}" NAME)
  string(APPEND manifest "${fname}\n")
endforeach()
# lib/redraft-bundle.files: what `redraft-executor install` copies (executor/phases/install.hpp),
# so a bundle placed at "/" never drags along anything else that lives in /lib.
file(WRITE "${OUT}/lib/redraft-bundle.files" "${manifest}")
set(exec_perms OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
file(CHMOD "${OUT}/${NAME}" "${OUT}/lib/ld.so" "${program}" FILE_PERMISSIONS ${exec_perms})
file(TOUCH "${STAMP}")

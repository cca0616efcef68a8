# Each folder under idp/ is one library. A library sees the headers of the
# libraries it links and no others: its public include directory is a
# per-module folder in the build tree holding a single symlink
# (<build>/inc/<mod>/<mod> -> idp/<mod>), so `#include "store/pg.h"` from a
# module that does not link idp_store_pg fails to compile.
function(idp_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(inc ${CMAKE_BINARY_DIR}/inc/${name})
  file(MAKE_DIRECTORY ${inc})
  if(NOT EXISTS ${inc}/${name})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/idp/${name} ${inc}/${name} SYMBOLIC)
  endif()
  if(M_SOURCES)
    add_library(idp_${name} STATIC ${M_SOURCES})
    target_include_directories(idp_${name} PUBLIC ${inc})
    target_link_libraries(idp_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  else()
    add_library(idp_${name} INTERFACE)
    target_include_directories(idp_${name} INTERFACE ${inc})
    target_link_libraries(idp_${name} INTERFACE ${M_DEPS})
  endif()
endfunction()

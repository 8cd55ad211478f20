# Copyright 2026 The semble Authors.
#
# Checks that every #include between semble's layers points down (docs/ARCHITECTURE.md, "Layers").
# Run as a test: cmake -DROOT=<source dir> -P cmake/check_layers.cmake
# Prints each violation as `<file> includes "<header>": <layer> may not include <layer>` and fails.
#
# The allowed arrows, in one place. A layer may always include its own headers and the public API
# (include/semble); anything not named here (third-party headers) is not checked. apps/ sits on
# top and may include every layer.
cmake_minimum_required(VERSION 3.25)  # policies of this century (IN_LIST) in script mode
set(ALLOWED_core "")
set(ALLOWED_storage core)
set(ALLOWED_meta core)
set(ALLOWED_index core)
set(ALLOWED_text core)
set(ALLOWED_schema core)
set(ALLOWED_embed storage core)
set(ALLOWED_db index text embed storage meta schema core)
set(ALLOWED_cache db storage core)
set(ALLOWED_wire core)
set(ALLOWED_client wire core)
set(ALLOWED_server wire cache db embed meta core)
set(ALLOWED_semble "")  # public headers include only each other
set(LAYERS core storage meta schema index text embed db cache wire client server semble)

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source dir> -P check_layers.cmake")
endif()
get_filename_component(ROOT "${ROOT}" ABSOLUTE)
file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/src/*.h ${ROOT}/src/*.cc ${ROOT}/include/semble/*.h)
set(violations 0)
set(checked 0)
foreach(rel IN LISTS files)
  if(rel MATCHES "^src/([a-z_]+)/")
    set(layer ${CMAKE_MATCH_1})
  elseif(rel MATCHES "^include/semble/")
    set(layer semble)
  endif()
  if(NOT layer IN_LIST LAYERS)
    message(SEND_ERROR "${rel}: layer \"${layer}\" has no entry in cmake/check_layers.cmake")
    math(EXPR violations "${violations} + 1")
    continue()
  endif()
  file(STRINGS ${ROOT}/${rel} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"]+\"")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" header "${line}")
    if(NOT header MATCHES "^([a-z_]+)/")
      continue()
    endif()
    set(target ${CMAKE_MATCH_1})
    math(EXPR checked "${checked} + 1")
    if(NOT target IN_LIST LAYERS OR target STREQUAL layer OR target STREQUAL "semble")
      continue()
    endif()
    if(NOT target IN_LIST ALLOWED_${layer})
      message(SEND_ERROR "${rel} includes \"${header}\": ${layer} may not include ${target}")
      math(EXPR violations "${violations} + 1")
    endif()
  endforeach()
endforeach()
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} include(s) break the layering")
endif()
message(STATUS "layering holds: ${checked} includes between layers checked")

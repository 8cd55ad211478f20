# Copyright 2026 The semble Authors.
#
# semble_node_tests(PREFIX LABEL DIR NAME...): one ctest per DIR/NAME.test.mjs, run with node's test
# runner against the built `semble` (each file starts its own server on an ephemeral port with its
# own temp data directory, so they run in parallel). Needs node and `npm ci` in DIR (scripts/test).
function(semble_node_tests prefix label dir)
  foreach(name ${ARGN})
    add_test(NAME ${prefix}_${name}
             COMMAND node --test ${dir}/${name}.test.mjs
             WORKING_DIRECTORY ${dir})
    set_tests_properties(${prefix}_${name} PROPERTIES
                         ENVIRONMENT "SEMBLE_BINARY=$<TARGET_FILE:semble>"
                         TIMEOUT 300
                         LABELS ${label})
  endforeach()
endfunction()

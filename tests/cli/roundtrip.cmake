# encode → decode --json: the fields come back. ENCODE_ARGS ("|"-separated)
# go to `hvdb encode`; its output is decoded with run_case.cmake's checks
# (EXPECT_RC, JSON_EXPECT).
cmake_minimum_required(VERSION 3.25)
string(REPLACE "|" ";" encode_args "${ENCODE_ARGS}")
execute_process(COMMAND ${HVDB} encode ${encode_args}
  RESULT_VARIABLE rc OUTPUT_VARIABLE hex OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0 OR NOT hex MATCHES "^[0-9a-f]+$")
  message(FATAL_ERROR "hvdb encode ${ENCODE_ARGS}: status ${rc}, '${hex}'")
endif()
set(ARGS "decode|--json|${hex}")
include(${CMAKE_CURRENT_LIST_DIR}/run_case.cmake)

# Runs one hvdb command and checks what it did. cmake -P, so the tests need
# nothing beyond CMake itself.
#   HVDB            the hvdb executable
#   ARGS            its arguments, separated by "|"
#   STDIN           file fed to standard input (optional)
#   EXPECT_RC       wanted exit status
#   EXPECT_STDOUT   file whose content stdout must equal (optional)
#   EXPECT_STDERR   file whose content stderr must equal (optional; without
#                   it and without EXPECT_STDERR_REGEX stderr must be empty
#                   when EXPECT_RC is 0)
#   EXPECT_STDERR_REGEX / EXPECT_STDOUT_REGEX  patterns to find (optional)
#   JSON_EXPECT     "key=value|key=value": stdout is one JSON object whose
#                   keys have these values (strings, true/false, or a list
#                   as a JSON array text)
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" args "${ARGS}")
set(input_opt)
if(DEFINED STDIN)
  set(input_opt INPUT_FILE ${STDIN})
endif()
execute_process(COMMAND ${HVDB} ${args} ${input_opt}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)

set(failures "")
macro(check cond msg)
  if(NOT (${cond}))
    string(APPEND failures "  ${msg}\n")
  endif()
endmacro()

if(NOT rc STREQUAL "${EXPECT_RC}")
  string(APPEND failures "  exit status: wanted ${EXPECT_RC}, got ${rc}\n")
endif()
if(DEFINED EXPECT_STDOUT)
  file(READ ${EXPECT_STDOUT} want)
  if(NOT out STREQUAL want)
    string(APPEND failures "  stdout differs from ${EXPECT_STDOUT}\n"
      "--- wanted\n${want}--- got\n${out}---\n")
  endif()
endif()
if(DEFINED EXPECT_STDERR)
  file(READ ${EXPECT_STDERR} want)
  if(NOT err STREQUAL want)
    string(APPEND failures "  stderr differs from ${EXPECT_STDERR}\n"
      "--- wanted\n${want}--- got\n${err}---\n")
  endif()
elseif(NOT DEFINED EXPECT_STDERR_REGEX AND EXPECT_RC STREQUAL "0")
  if(NOT err STREQUAL "")
    string(APPEND failures "  stderr should be empty, got:\n${err}")
  endif()
endif()
if(DEFINED EXPECT_STDERR_REGEX AND NOT err MATCHES "${EXPECT_STDERR_REGEX}")
  string(APPEND failures
    "  stderr does not match '${EXPECT_STDERR_REGEX}':\n${err}")
endif()
if(DEFINED EXPECT_STDOUT_REGEX AND NOT out MATCHES "${EXPECT_STDOUT_REGEX}")
  string(APPEND failures
    "  stdout does not match '${EXPECT_STDOUT_REGEX}':\n${out}")
endif()
if(DEFINED JSON_EXPECT)
  string(REPLACE "|" ";" pairs "${JSON_EXPECT}")
  foreach(pair IN LISTS pairs)
    string(FIND "${pair}" "=" eq)
    string(SUBSTRING "${pair}" 0 ${eq} key)
    math(EXPR vstart "${eq} + 1")
    string(SUBSTRING "${pair}" ${vstart} -1 want)
    string(JSON got ERROR_VARIABLE jerr GET "${out}" ${key})
    if(jerr)
      string(APPEND failures "  JSON key '${key}': ${jerr}\n")
      continue()
    endif()
    string(JSON type TYPE "${out}" ${key})
    if(type STREQUAL "ARRAY")
      # Compare lists as compact JSON text: ["a","b"].
      string(JSON n LENGTH "${out}" ${key})
      set(items "")
      if(n GREATER 0)
        math(EXPR last "${n} - 1")
        foreach(i RANGE ${last})
          string(JSON item GET "${out}" ${key} ${i})
          list(APPEND items "\"${item}\"")
        endforeach()
      endif()
      list(JOIN items "," got)
      set(got "[${got}]")
    elseif(type STREQUAL "BOOLEAN")
      string(TOLOWER "${got}" got)
      if(got STREQUAL "on")
        set(got true)
      elseif(got STREQUAL "off")
        set(got false)
      endif()
    endif()
    if(NOT got STREQUAL want)
      string(APPEND failures
        "  JSON key '${key}': wanted ${want}, got ${got}\n")
    endif()
  endforeach()
endif()

if(failures)
  message(FATAL_ERROR "hvdb ${ARGS}:\n${failures}stderr was:\n${err}")
endif()

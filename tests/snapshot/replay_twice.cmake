# Two `hvdb replay` runs: the second restores the snapshot the first
# saved and goes on; then a truncated snapshot is refused (exit 2).
# Run with -DHVDB=<hvdb> -DSRC=<this dir> -DWORK=<scratch dir>.
file(REMOVE ${WORK}/handover.json ${WORK}/truncated.json)

function(replay name want_rc)
  execute_process(COMMAND ${HVDB} replay ${SRC}/replay/${name}.scn
    WORKING_DIRECTORY ${WORK}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL want_rc)
    message(FATAL_ERROR "${name}: exit ${rc}, wanted ${want_rc}\n${out}${err}")
  endif()
  file(READ ${SRC}/replay/${name}.out want)
  if(NOT out STREQUAL want)
    message(FATAL_ERROR "${name}: output differs\n--- want\n${want}--- got\n${out}")
  endif()
  set(stderr "${err}" PARENT_SCOPE)
endfunction()

replay(first 0)
if(NOT EXISTS ${WORK}/handover.json OR EXISTS ${WORK}/handover.json.tmp)
  message(FATAL_ERROR "first: no handover.json (or a leftover .tmp)")
endif()
replay(second 0)

file(READ ${WORK}/handover.json doc)
string(SUBSTRING "${doc}" 0 200 cut)
file(WRITE ${WORK}/truncated.json "${cut}")
replay(bad 2)
if(NOT stderr MATCHES "^hvdb: line 2: restore truncated.json: truncated or corrupted JSON")
  message(FATAL_ERROR "bad: unexpected stderr: ${stderr}")
endif()

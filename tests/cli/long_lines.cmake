# Writes the scenarios with megabyte lines that tests/cli replays (kept out
# of the repository): run at configure time with OUT set to a directory.
set(mb 1048576)
# just under the 1 MiB line limit (cli/lines.h)
string(REPEAT "00" 500000 hex)
file(WRITE ${OUT}/long_hypercall.scn "hypercall 1 0x58 ${hex}\nstats 1 1\n")
file(WRITE ${OUT}/long_hypercall.out
  "HV_STATUS_INVALID_HYPERCALL_INPUT bad-input-length\n"
  "HV_STATUS_INVALID_PORT_ID unknown-port\n")
string(REPEAT "x" ${mb} junk)
file(WRITE ${OUT}/long_comment.scn "# ${junk}\npartition 2\n")
file(WRITE ${OUT}/long_comment.out "ok\n")
file(WRITE ${OUT}/long_junk.scn "partition 2\n${junk}\npartition 3\n")
file(WRITE ${OUT}/long_junk.out "ok\n")
file(WRITE ${OUT}/long_junk.err
  "hvdb: line 2: unknown command 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'\n")
# one byte over the line limit: malformed at once (`hvdb replay /dev/zero`
# grew to gigabytes before saying line 1 was malformed: issue 14)
file(WRITE ${OUT}/over_limit.scn "partition 2\n${junk}x\npartition 3\n")
file(WRITE ${OUT}/over_limit.out "ok\n")
file(WRITE ${OUT}/over_limit.err
  "hvdb: line 2: longer than 1048576 bytes before any comment\n")
string(REPEAT " 1" 500000 ones)
file(WRITE ${OUT}/many_tokens.scn "stats 1 1${ones}\n")
file(WRITE ${OUT}/many_tokens.out "")
file(WRITE ${OUT}/many_tokens.err "hvdb: line 1: extra argument '1'\n")
# 256 ram= ranges are fine (the 17th was refused once: issue 14); the
# 257th is malformed with the limit named
set(ranges "")
foreach(i RANGE 1 256)
  math(EXPR start "${i} * 0x2000" OUTPUT_FORMAT HEXADECIMAL)
  string(APPEND ranges " ram=${start}+0x1000")
endforeach()
file(WRITE ${OUT}/many_ranges.scn "partition 2${ranges}\n"
  "partition 3${ranges} ram=0+0x1000\n")
file(WRITE ${OUT}/many_ranges.out "ok\n")
file(WRITE ${OUT}/many_ranges.err "hvdb: line 2: more than 256 ram= ranges "
  "(the most one partition line may have)\n")

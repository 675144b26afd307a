# Writes the scenarios with megabyte lines that tests/cli replays (kept out
# of the repository): run at configure time with OUT set to a directory.
set(mb 1048576)
string(REPEAT "00" 600000 hex)
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
string(REPEAT " 1" 500000 ones)
file(WRITE ${OUT}/many_tokens.scn "stats 1 1${ones}\n")
file(WRITE ${OUT}/many_tokens.out "")
file(WRITE ${OUT}/many_tokens.err "hvdb: line 1: extra argument '1'\n")
string(REPEAT " ram=0+0x1000" 17 ranges)
file(WRITE ${OUT}/many_ranges.scn "partition 2${ranges}\n")
file(WRITE ${OUT}/many_ranges.out "")
file(WRITE ${OUT}/many_ranges.err "hvdb: line 1: more than 16 ram= ranges\n")

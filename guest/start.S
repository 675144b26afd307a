/* start.S - entry of the built-in guest, already in 64-bit mode.
 *
 * The VMM enters every vCPU here with RDI = vCPU index, RSI = GPA of the
 * boot page and RSP = the top of that vCPU's stack (16-byte aligned).
 */
	.section .text.start, "ax"
	.globl _start
_start:
	call guest_main
	/* guest_main reported DONE and the host never resumes us. */
1:	pause
	jmp 1b
	.section .note.GNU-stack, "", @progbits

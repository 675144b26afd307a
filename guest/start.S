/* start.S - entry of the built-in guest, already in 64-bit mode: its
 * descriptor tables, and the drop from kernel mode (CPL0) to user mode.
 *
 * The VMM enters every vCPU here with RDI = vCPU index, RSI = GPA of the
 * boot page and RSP = the top of that vCPU's stack (16-byte aligned).
 */
#define SEL_USER_DATA 0x2b /* GDT entry 5, RPL 3 */
#define SEL_USER_CODE 0x33 /* GDT entry 6, RPL 3 */
#define SEL_TSS 0x40	   /* GDT entries 8-9 */
#define GDT_BYTES 80	   /* 8 entries, then the 16-byte TSS descriptor */
#define TSS_TYPE 0x89	   /* present, available 64-bit TSS */

	.section .text.start, "ax"
	.globl _start
_start:
	/* This vCPU's GDT, at the top of its own stack: LTR marks the TSS
	 * descriptor busy, so no two vCPUs can share one. RDI and RSI,
	 * guest_main's arguments, stay untouched. */
	subq $GDT_BYTES, %rsp
	leaq gdt(%rip), %rax
	xorl %ecx, %ecx
1:	movq (%rax,%rcx,8), %rdx
	movq %rdx, (%rsp,%rcx,8)
	incl %ecx
	cmpl $8, %ecx
	jne 1b
	/* The image is loaded anywhere: the TSS base is known only now. */
	leaq tss(%rip), %rax
	movw $(tss_end - tss - 1), 64(%rsp)	/* limit 15:0 */
	movw %ax, 66(%rsp)			/* base 15:0 */
	shrq $16, %rax
	movb %al, 68(%rsp)			/* base 23:16 */
	movb $TSS_TYPE, 69(%rsp)
	movb $0, 70(%rsp)			/* limit 19:16, flags */
	movb %ah, 71(%rsp)			/* base 31:24 */
	shrq $16, %rax
	movq %rax, 72(%rsp)			/* base 63:32, reserved */
	movq %rsp, %rax
	subq $16, %rsp
	movw $(GDT_BYTES - 1), (%rsp)
	movq %rax, 2(%rsp)
	lgdt (%rsp)
	addq $16, %rsp
	movw $SEL_TSS, %ax
	ltr %ax
	call guest_main
	/* guest_main reported DONE and the host never resumes us. */
2:	pause
	jmp 2b

/* void guest_enter_user(void): returns to its caller at CPL3, on the same
 * stack and with the same RFLAGS. */
	.text
	.globl guest_enter_user
guest_enter_user:
	popq %rax		/* the return address */
	movq %rsp, %rdx		/* the stack as the caller will see it */
	pushq $SEL_USER_DATA	/* SS */
	pushq %rdx		/* RSP */
	pushfq			/* RFLAGS */
	pushq $SEL_USER_CODE	/* CS */
	pushq %rax		/* RIP */
	iretq

	.section .rodata
	.balign 8
/* The flat 64-bit GDT, laid out as Linux's: the kernel selectors the VMM
 * loads (0x10, 0x18) and the user ones a PVM host runs CPL3 code with. */
gdt:
	.quad 0				/* null */
	.quad 0				/* unused */
	.quad 0x00af9a000000ffff	/* 0x10 kernel code, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x18 kernel data */
	.quad 0x00cffa000000ffff	/* 0x23 user code, 32-bit */
	.quad 0x00cff2000000ffff	/* 0x2b user data */
	.quad 0x00affa000000ffff	/* 0x33 user code, 64-bit */
	.quad 0				/* unused */

/* The TSS only for its I/O permission bitmap: user mode may use every
 * port 0-255 that kernel mode may (the report and hypercall ports). No
 * IOPL 3 instead: a PVM host does not keep it for user mode. Nothing is
 * ever delivered through RSP0 or the ISTs: the guest has no IDT. */
	.balign 8
tss:
	.fill 102, 1, 0
	.word iomap - tss		/* I/O map base */
iomap:
	.fill 32, 1, 0			/* ports 0-255 allowed */
	.byte 0xff			/* the terminator the CPU reads past */
tss_end:
	.section .note.GNU-stack, "", @progbits

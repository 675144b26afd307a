/* lib.h - the built-in guest's tiny runtime: port I/O, CPUID, MSRs,
 * hypercalls and the ucall-style report channel (STYLE 18). */
#ifndef HVDB_GUEST_LIB_H
#define HVDB_GUEST_LIB_H

#include <stdint.h>

#include "guest_abi.h"

/* What one vCPU of the guest knows. */
struct guest_ctx {
	uint32_t vcpu;
	volatile struct guest_boot *boot;
	volatile struct guest_mailbox *mb;
};

static inline void guest_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void guest_pause(void)
{
	__asm__ volatile("pause" : : : "memory");
}

/* CPUID as the PVM synthetic instruction: `invlpg 0xffffffffff4d5650`
 * right before `cpuid`. Under PVM (a KVM that runs guests at hardware CPL3)
 * a bare CPUID may not trap and returns the host's leaves; the pair always
 * reaches the hypervisor. Elsewhere the INVLPG drops one unused TLB entry
 * and the CPUID is an ordinary, trapping CPUID. */
static inline void guest_cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile(
		".byte 0x0f, 0x01, 0x3c, 0x25, 0x50, 0x56, 0x4d, 0xff\n\t"
		"cpuid"
		: "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		: "a"(leaf), "c"(0)
		: "memory");
}

static inline uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void guest_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

/* A Hyper-V hypercall through the hypercall page: RCX = control, RDX =
 * input GPA or first fast parameter, R8 = output GPA or second. Returns
 * RAX (HV_STATUS in bits 15:0). */
static inline uint64_t guest_hypercall(uint64_t page, uint64_t control,
				       uint64_t rdx, uint64_t r8)
{
	register uint64_t r8_ __asm__("r8") = r8;
	uint64_t status;

	__asm__ volatile("call *%[page]"
			 : "=a"(status), "+c"(control), "+d"(rdx), "+r"(r8_)
			 : [page] "r"(page)
			 : "memory", "cc");
	return status;
}

/* What the hypercall page's trampoline does, without the page: reads
 * the hypercall port with (control) in RCX and (rdx) in RDX. */
static inline uint32_t guest_hypercall_port(uint64_t control, uint64_t rdx)
{
	uint32_t status;

	__asm__ volatile("inl %[port], %%eax"
			 : "=a"(status), "+c"(control), "+d"(rdx)
			 : [port] "i"(GUEST_PORT_HCALL)
			 : "memory");
	return status;
}

/* Reports (ucall) with the mailbox already filled. */
static inline void guest_report(struct guest_ctx *c, uint64_t ucall)
{
	c->mb->ucall = ucall;
	guest_outb(GUEST_PORT_REPORT, (uint8_t)ucall);
}

void guest_fail(struct guest_ctx *c, const char *file, int line,
		const char *text, uint64_t a, uint64_t b);

/* Reports a failed check with file:line, the expression and two values. */
#define GUEST_ASSERT(c, cond, a, b)                                \
	do {                                                       \
		if (!(cond))                                       \
			guest_fail((c), __FILE__, __LINE__, #cond, \
				   (uint64_t)(a), (uint64_t)(b));  \
	} while (0)

#define GUEST_ASSERT_EQ(c, got, want) \
	GUEST_ASSERT(c, (uint64_t)(got) == (uint64_t)(want), got, want)

/* Performs one store of (len) 1, 2, 4 or 8 bytes: one instruction. */
static inline void guest_store(uint64_t gpa, uint64_t len, uint64_t value)
{
	switch (len) {
	case 1:
		*(volatile uint8_t *)gpa = (uint8_t)value;
		break;
	case 2:
		*(volatile uint16_t *)gpa = (uint16_t)value;
		break;
	case 4:
		*(volatile uint32_t *)gpa = (uint32_t)value;
		break;
	default:
		*(volatile uint64_t *)gpa = value;
		break;
	}
}

void guest_hv_connect(struct guest_ctx *c);

/* Returns to the caller in user mode (CPL3) on the same stack; the TSS
 * lets it keep using the I/O ports, so reports still work. One way: what
 * needs CPL0 (MSRs, the hypercall page) must come before. Every page the
 * VMM maps is user-accessible. */
void guest_enter_user(void);

#endif

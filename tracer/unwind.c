/* unwind.c: a fast x86-64 stack walker driven by the programs' own DWARF
 * call-frame information (.eh_frame), with a global cache of per-address
 * rules.
 *
 * Why: libunwind's unw_backtrace costs ~12 ns per frame here (measured with
 * a recursion microbenchmark on this machine), which made a recorded block
 * event with an 8-frame stack 1.5x a bare tracepoint.  A walk that looks
 * each return address up in a cache and applies "CFA = rsp|rbp + k, return
 * address at CFA-8, rbp saved at CFA+m" costs a few ns per frame.
 *
 * How: for an address seen the first time, _dl_find_object gives the
 * object's .eh_frame_hdr; a binary search finds the FDE; the CIE and FDE
 * instructions are run up to the address, tracking only the CFA, rbp and the
 * return address.  The resulting rule is cached in a lock-free table.
 * Anything unusual (DWARF expressions, signal frames, registers other than
 * rsp/rbp for the CFA, 64-bit DWARF, a read outside the thread's stack) makes
 * cprof_unwind_fast return -1 and the caller uses libunwind instead, so the
 * result is never a guess. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "unwind.h"

#ifndef CPROF_TLS
#define CPROF_TLS __attribute__((tls_model("initial-exec"))) __thread
#endif

#if defined(__x86_64__)

enum {
	REG_RBP = 6,
	REG_RSP = 7,
	REG_RA = 16,
};

/* A rule packed in 64 bits: cfa_off (32) | rbp_off (16) | ra_off (8) | flags (8). */
enum {
	R_CFA_RBP = 1,      /* CFA = rbp + off (else rsp + off) */
	R_RBP_SAVED = 2,    /* caller's rbp is at CFA + rbp_off (else unchanged) */
	R_OUTERMOST = 4,    /* return address undefined: the stack ends here */
	R_UNSUPPORTED = 8,  /* let libunwind handle this frame */
};

static uint64_t rule_pack(int32_t cfa_off, int16_t rbp_off, int8_t ra_off, uint8_t flags)
{
	return (uint64_t)(uint32_t)cfa_off | (uint64_t)(uint16_t)rbp_off << 32 |
		(uint64_t)(uint8_t)ra_off << 48 | (uint64_t)flags << 56;
}

/* ---- the cache ----------------------------------------------------------
 * Each slot holds {key ^ value, value}.  Writers store both words without a
 * lock; a reader accepts a slot only if the xor of the two words gives back
 * its address, so a torn or racing write reads as a miss, never as another
 * address's rule. */
#define CACHE_BITS 13
#define CACHE_SIZE (1u << CACHE_BITS)
#define PROBES 4

static struct { uint64_t check, value; } cache[CACHE_SIZE];
static uint32_t cache_gen = 1;   /* bumped by a flush; memos of older generations are void */

void cprof_unwind_flush(void)
{
	__atomic_add_fetch(&cache_gen, 1, __ATOMIC_ACQ_REL);
	for (uint32_t i = 0; i < CACHE_SIZE; i++) {
		__atomic_store_n(&cache[i].check, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&cache[i].value, 0, __ATOMIC_RELAXED);
	}
}

static inline uint32_t slot_of(uint64_t ip)
{
	return (uint32_t)((ip * 0x9e3779b97f4a7c15ull) >> (64 - CACHE_BITS));
}

static inline int cache_get(uint64_t ip, uint64_t *value)
{
	uint32_t s = slot_of(ip);
	for (int i = 0; i < PROBES; i++, s = (s + 1) & (CACHE_SIZE - 1)) {
		uint64_t c = __atomic_load_n(&cache[s].check, __ATOMIC_RELAXED);
		uint64_t v = __atomic_load_n(&cache[s].value, __ATOMIC_RELAXED);
		if ((c ^ v) == ip && (c | v)) {
			*value = v;
			return 1;
		}
		if (!c && !v)
			return 0;
	}
	return 0;
}

static void cache_put(uint64_t ip, uint64_t value)
{
	uint32_t s = slot_of(ip), victim = s;
	for (int i = 0; i < PROBES; i++, s = (s + 1) & (CACHE_SIZE - 1)) {
		uint64_t c = __atomic_load_n(&cache[s].check, __ATOMIC_RELAXED);
		uint64_t v = __atomic_load_n(&cache[s].value, __ATOMIC_RELAXED);
		if (!c && !v) {
			victim = s;
			break;
		}
	}
	__atomic_store_n(&cache[victim].value, value, __ATOMIC_RELAXED);
	__atomic_store_n(&cache[victim].check, ip ^ value, __ATOMIC_RELAXED);
}

/* ---- DWARF decoding ------------------------------------------------------ */

struct rd {
	const uint8_t *p, *end;
	int bad;
};

static uint64_t uleb(struct rd *r)
{
	uint64_t v = 0;
	for (int shift = 0; r->p < r->end; shift += 7) {
		uint8_t b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

static int64_t sleb(struct rd *r)
{
	int64_t v = 0;
	int shift = 0;
	for (; r->p < r->end; ) {
		uint8_t b = *r->p++;
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= -((int64_t)1 << shift);
			return v;
		}
	}
	r->bad = 1;
	return 0;
}

static uint64_t fixed(struct rd *r, int n)
{
	if (r->end - r->p < n) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, r->p, (size_t)n);   /* little endian */
	r->p += n;
	return v;
}

/* Reads a DW_EH_PE-encoded pointer.  datarel is relative to `dbase`. */
static uint64_t encoded(struct rd *r, uint8_t enc, uint64_t dbase)
{
	if (enc == 0xff) {   /* DW_EH_PE_omit */
		r->bad = 1;
		return 0;
	}
	uint64_t at = (uint64_t)(uintptr_t)r->p, v;
	switch (enc & 0x0f) {
	case 0x00: v = fixed(r, 8); break;                       /* absptr */
	case 0x01: v = uleb(r); break;
	case 0x02: v = fixed(r, 2); break;
	case 0x03: v = fixed(r, 4); break;
	case 0x04: v = fixed(r, 8); break;
	case 0x09: v = (uint64_t)sleb(r); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)fixed(r, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)fixed(r, 4); break;
	case 0x0c: v = fixed(r, 8); break;
	default: r->bad = 1; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += at; break;       /* pcrel */
	case 0x30:                       /* datarel */
		if (!dbase) {
			r->bad = 1;
			return 0;
		}
		v += dbase;
		break;
	default: r->bad = 1; return 0;
	}
	if (enc & 0x80)                  /* indirect: never in the tables we read */
		r->bad = 1;
	return v;
}

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint8_t fde_enc;
	int has_z;
	const uint8_t *insns, *insns_end;
};

static int parse_cie(const uint8_t *p, struct cie *c, uint64_t dbase)
{
	uint32_t len;
	memcpy(&len, p, 4);
	if (len == 0 || len == 0xffffffffu)
		return -1;
	struct rd r = { p + 4, p + 4 + len, 0 };
	if (fixed(&r, 4) != 0)      /* CIE id */
		return -1;
	uint8_t version = (uint8_t)fixed(&r, 1);
	if (version != 1 && version != 3)
		return -1;
	const char *aug = (const char *)r.p;
	size_t auglen = strnlen(aug, (size_t)(r.end - r.p));
	if (aug + auglen >= (const char *)r.end)
		return -1;
	r.p += auglen + 1;
	c->code_align = uleb(&r);
	c->data_align = sleb(&r);
	uint64_t ra = version == 1 ? fixed(&r, 1) : uleb(&r);
	if (ra != REG_RA)
		return -1;
	c->fde_enc = 0;   /* absptr */
	c->has_z = aug[0] == 'z';
	if (c->has_z) {
		uint64_t n = uleb(&r);
		if (r.bad || n > (uint64_t)(r.end - r.p))
			return -1;
		struct rd a = { r.p, r.p + n, 0 };
		for (const char *s = aug + 1; *s; s++) {
			if (*s == 'R')
				c->fde_enc = (uint8_t)fixed(&a, 1);
			else if (*s == 'L')
				fixed(&a, 1);
			else if (*s == 'P') {
				uint8_t enc = (uint8_t)fixed(&a, 1);
				encoded(&a, enc & 0x7f, dbase);   /* skip the personality */
			} else
				return -1;   /* 'S' (signal frame) or unknown */
			if (a.bad)
				return -1;
		}
		r.p += n;
	} else if (aug[0] != 0) {
		return -1;
	}
	if (r.bad || c->code_align == 0)
		return -1;
	c->insns = r.p;
	c->insns_end = r.end;
	return 0;
}

enum { RULE_SAME, RULE_OFFSET, RULE_UNDEF };

struct row {
	int cfa_reg;
	int64_t cfa_off;
	uint8_t rbp_rule, ra_rule;
	int64_t rbp_off, ra_off;
};

#define STATE_STACK 8

/* Runs CFA instructions until the location passes `target`.  Returns 0, or
 * -1 for anything this walker does not model. */
static int run_cfa(const uint8_t *p, const uint8_t *end, const struct cie *c, uint64_t loc,
		uint64_t target, struct row *row, const struct row *initial, uint64_t dbase)
{
	struct rd r = { p, end, 0 };
	struct row saved[STATE_STACK];
	int nsaved = 0;
	while (r.p < r.end && !r.bad) {
		uint8_t op = *r.p++;
		uint64_t reg = 0, adv = 0;
		int64_t off = 0;
		switch (op & 0xc0) {
		case 0x40:
			adv = op & 0x3f;
			goto advance;
		case 0x80:
			reg = op & 0x3f;
			off = (int64_t)uleb(&r) * c->data_align;
			goto set_offset;
		case 0xc0:
			reg = op & 0x3f;
			goto restore;
		}
		switch (op) {
		case 0x00:      /* nop */
			break;
		case 0x01:      /* set_loc */
			loc = encoded(&r, c->fde_enc, dbase);
			if (loc > target)
				return r.bad ? -1 : 0;
			break;
		case 0x02: adv = fixed(&r, 1); goto advance;
		case 0x03: adv = fixed(&r, 2); goto advance;
		case 0x04: adv = fixed(&r, 4); goto advance;
		case 0x05:      /* offset_extended */
			reg = uleb(&r);
			off = (int64_t)uleb(&r) * c->data_align;
			goto set_offset;
		case 0x06:      /* restore_extended */
			reg = uleb(&r);
			goto restore;
		case 0x07:      /* undefined */
			reg = uleb(&r);
			if (reg == REG_RBP)
				row->rbp_rule = RULE_UNDEF;
			else if (reg == REG_RA)
				row->ra_rule = RULE_UNDEF;
			break;
		case 0x08:      /* same_value */
			reg = uleb(&r);
			if (reg == REG_RBP)
				row->rbp_rule = RULE_SAME;
			else if (reg == REG_RA)
				return -1;
			break;
		case 0x09:      /* register */
			reg = uleb(&r);
			uleb(&r);
			if (reg == REG_RBP || reg == REG_RA)
				return -1;
			break;
		case 0x0a:      /* remember_state */
			if (nsaved == STATE_STACK)
				return -1;
			saved[nsaved++] = *row;
			break;
		case 0x0b:      /* restore_state: the CFA rule is not part of the saved state
			         * in DWARF, but GCC and every unwinder treat it as such */
			if (nsaved == 0)
				return -1;
			*row = saved[--nsaved];
			break;
		case 0x0c:      /* def_cfa */
			row->cfa_reg = (int)uleb(&r);
			row->cfa_off = (int64_t)uleb(&r);
			break;
		case 0x0d:      /* def_cfa_register */
			row->cfa_reg = (int)uleb(&r);
			break;
		case 0x0e:      /* def_cfa_offset */
			row->cfa_off = (int64_t)uleb(&r);
			break;
		case 0x0f:      /* def_cfa_expression */
			return -1;
		case 0x10:      /* expression */
		case 0x16: {    /* val_expression */
			reg = uleb(&r);
			uint64_t n = uleb(&r);
			if (reg == REG_RBP || reg == REG_RA || n > (uint64_t)(r.end - r.p))
				return -1;
			r.p += n;
			break;
		}
		case 0x11:      /* offset_extended_sf */
			reg = uleb(&r);
			off = sleb(&r) * c->data_align;
			goto set_offset;
		case 0x12:      /* def_cfa_sf */
			row->cfa_reg = (int)uleb(&r);
			row->cfa_off = sleb(&r) * c->data_align;
			break;
		case 0x13:      /* def_cfa_offset_sf */
			row->cfa_off = sleb(&r) * c->data_align;
			break;
		case 0x14:      /* val_offset */
		case 0x15:      /* val_offset_sf */
			reg = uleb(&r);
			if (op == 0x14)
				uleb(&r);
			else
				sleb(&r);
			if (reg == REG_RBP || reg == REG_RA)
				return -1;
			break;
		case 0x2e:      /* GNU_args_size */
			uleb(&r);
			break;
		case 0x2f:      /* GNU_negative_offset_extended */
			reg = uleb(&r);
			off = -(int64_t)uleb(&r) * c->data_align;
			goto set_offset;
		default:
			return -1;
		}
		continue;
advance:
		loc += adv * c->code_align;
		if (loc > target)
			return r.bad ? -1 : 0;
		continue;
set_offset:
		if (reg == REG_RBP) {
			row->rbp_rule = RULE_OFFSET;
			row->rbp_off = off;
		} else if (reg == REG_RA) {
			row->ra_rule = RULE_OFFSET;
			row->ra_off = off;
		}
		continue;
restore:
		if (!initial)
			return -1;   /* restore inside a CIE */
		if (reg == REG_RBP) {
			row->rbp_rule = initial->rbp_rule;
			row->rbp_off = initial->rbp_off;
		} else if (reg == REG_RA) {
			row->ra_rule = initial->ra_rule;
			row->ra_off = initial->ra_off;
		}
		continue;
	}
	return r.bad ? -1 : 0;
}

/* Finds the FDE for `ip` and computes its rule; R_UNSUPPORTED on failure. */
static uint64_t compute_rule(uint64_t ip)
{
	uint64_t unsupported = rule_pack(0, 0, 0, R_UNSUPPORTED);
	struct dl_find_object fo;
	if (_dl_find_object((void *)(uintptr_t)ip, &fo) != 0 || !fo.dlfo_eh_frame)
		return unsupported;
	const uint8_t *hdr = fo.dlfo_eh_frame;
	uint64_t dbase = 0;   /* x86-64 has no data base for DW_EH_PE_datarel in FDEs */
	if (hdr[0] != 1 || hdr[3] != 0x3b)   /* version 1, table datarel|sdata4 */
		return unsupported;
	struct rd r = { hdr + 4, hdr + 4 + 16, 0 };
	encoded(&r, hdr[1], (uint64_t)(uintptr_t)hdr);                    /* eh_frame_ptr */
	uint64_t count = encoded(&r, hdr[2], (uint64_t)(uintptr_t)hdr);
	if (r.bad || count == 0)
		return unsupported;
	const int32_t *table = (const int32_t *)(const void *)r.p;
	int64_t rel = (int64_t)(ip - (uint64_t)(uintptr_t)hdr);
	uint64_t lo = 0, hi = count;   /* last entry with initial_loc <= ip */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (table[2 * mid] <= rel)
			lo = mid;
		else
			hi = mid;
	}
	if (table[2 * lo] > rel)
		return unsupported;
	const uint8_t *fde = hdr + table[2 * lo + 1];
	uint32_t len, cie_off;
	memcpy(&len, fde, 4);
	if (len == 0 || len == 0xffffffffu)
		return unsupported;
	memcpy(&cie_off, fde + 4, 4);
	struct cie c;
	if (parse_cie(fde + 4 - cie_off, &c, dbase) != 0)
		return unsupported;
	struct rd f = { fde + 8, fde + 4 + len, 0 };
	uint64_t start = encoded(&f, c.fde_enc, dbase);
	uint64_t range = encoded(&f, c.fde_enc & 0x0f, dbase);
	if (f.bad || ip < start || ip - start >= range)
		return unsupported;
	if (c.has_z) {   /* 'z' CIEs put an augmentation length in every FDE */
		uint64_t n = uleb(&f);
		if (f.bad || n > (uint64_t)(f.end - f.p))
			return unsupported;
		f.p += n;
	}
	struct row row = { .cfa_reg = -1, .rbp_rule = RULE_SAME, .ra_rule = RULE_SAME };
	if (run_cfa(c.insns, c.insns_end, &c, 0, UINT64_MAX, &row, NULL, dbase) != 0)
		return unsupported;
	struct row initial = row;
	if (run_cfa(f.p, f.end, &c, start, ip, &row, &initial, dbase) != 0)
		return unsupported;
	if ((row.cfa_reg != REG_RSP && row.cfa_reg != REG_RBP) ||
			row.cfa_off < INT32_MIN || row.cfa_off > INT32_MAX)
		return unsupported;
	uint8_t flags = row.cfa_reg == REG_RBP ? R_CFA_RBP : 0;
	int16_t rbp_off = 0;
	int8_t ra_off = 0;
	if (row.rbp_rule == RULE_OFFSET) {
		if (row.rbp_off < INT16_MIN || row.rbp_off > INT16_MAX)
			return unsupported;
		flags |= R_RBP_SAVED;
		rbp_off = (int16_t)row.rbp_off;
	}
	if (row.ra_rule == RULE_UNDEF)
		flags |= R_OUTERMOST;
	else if (row.ra_rule == RULE_OFFSET && row.ra_off >= INT8_MIN && row.ra_off <= INT8_MAX)
		ra_off = (int8_t)row.ra_off;
	else
		return unsupported;
	return rule_pack((int32_t)row.cfa_off, rbp_off, ra_off, flags);
}

/* ---- the walk ------------------------------------------------------------ */

static CPROF_TLS uintptr_t stack_lo, stack_hi;
static CPROF_TLS int stack_known;   /* 0 unknown, 1 known, -1 unavailable */

static int stack_bounds(void)
{
	if (stack_known)
		return stack_known > 0;
	pthread_attr_t attr;
	void *addr = NULL;
	size_t size = 0;
	stack_known = -1;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return 0;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0 && size) {
		stack_lo = (uintptr_t)addr;
		stack_hi = stack_lo + size;
		stack_known = 1;
	}
	pthread_attr_destroy(&attr);
	return stack_known > 0;
}

static inline int on_stack(uintptr_t a)
{
	return a >= stack_lo && a <= stack_hi - 8;
}

static inline uint64_t rule_for(uint64_t ip)
{
	uint64_t rule;
	if (!cache_get(ip, &rule)) {
		rule = compute_rule(ip);
		cache_put(ip, rule);
	}
	return rule;
}

/* One frame by its rule: the caller's sp, rbp and return address.  0, or
 * 1 where the stack ends, -1 where this walker cannot go on. */
static inline __attribute__((always_inline)) int step(uint64_t rule, uintptr_t *spp,
	uintptr_t *bpp, uintptr_t top, uintptr_t *rap)
{
	uintptr_t sp = *spp;
	uint8_t flags = (uint8_t)(rule >> 56);
	if (__builtin_expect(flags & (R_UNSUPPORTED | R_OUTERMOST), 0))
		return (flags & R_UNSUPPORTED) ? -1 : 1;
	uintptr_t cfa = ((flags & R_CFA_RBP) ? *bpp : sp) + (intptr_t)(int32_t)(uint32_t)rule;
	uintptr_t ra_at = cfa + (intptr_t)(int8_t)(rule >> 48);
	if (cfa <= sp || ra_at < sp || ra_at > top)
		return -1;
	uintptr_t ra = *(const uintptr_t *)ra_at;
	if (flags & R_RBP_SAVED) {
		uintptr_t bp_at = cfa + (intptr_t)(int16_t)(rule >> 32);
		/* saved registers lie between the frame's sp and its CFA:
		 * never read below sp (the main thread's stack may end there) */
		if (bp_at < sp || bp_at > top)
			return -1;
		*bpp = *(const uintptr_t *)bp_at;
	}
	*spp = cfa;
	*rap = ra;
	return ra ? 0 : 1;
}

__attribute__((noinline)) int cprof_unwind_fast(uint64_t *pcs, int max,
		struct cprof_unwind_memo *memo, uintptr_t skip_lo, uintptr_t skip_hi)
{
	uintptr_t ip, sp, bp;
	if (max <= 0)
		return 0;
	if (!stack_bounds())
		return -1;
	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
		: "=r"(ip), "=r"(sp), "=r"(bp));
	if (!on_stack(sp))
		return -1;   /* a signal stack or a user-level stack: libunwind knows */
	int n = 0;
	uint64_t lookup = ip;
	if (skip_hi > skip_lo) {
		/* The caller's own frames, up to the first return address
		 * outside [skip_lo, skip_hi): code built with frame pointers
		 * (rbp points at the saved rbp, the return address above it), so
		 * a frame is two loads, no rule.  From the last such frame on,
		 * CFA = rbp + 16 and the caller's rbp is the one saved there. */
		uintptr_t fp = (uintptr_t)__builtin_frame_address(0);    /* this function's own */
		for (;;) {
			if (fp < sp || (fp & 7) || !on_stack(fp + 8))
				return -1;
			uintptr_t ra = ((const uintptr_t *)fp)[1];
			sp = fp + 16;
			bp = ((const uintptr_t *)fp)[0];
			if (ra < skip_lo || ra >= skip_hi) {
				if (ra == 0)
					return 0;
				pcs[n++] = ra;
				if (n == max)
					return n;
				lookup = ra - 1;
				break;
			}
			fp = bp;
		}
	}
	uint32_t gen = __atomic_load_n(&cache_gen, __ATOMIC_ACQUIRE);
	int memo_max = 0;
	if (memo) {
		if (memo->gen != gen) {
			memset(memo->ip, 0, sizeof memo->ip);
			memo->gen = gen;
		}
		memo_max = CPROF_UNWIND_MEMO;
	}
	/* the bounds in locals (the stores to pcs[] would reload them); sp
	 * only grows and starts on the stack, so an address at or above sp
	 * needs only the upper check */
	const uintptr_t top = stack_hi - 8;
	uintptr_t ra;
	int st;
	/* frames the memo knows, with no call in the loop (nothing spilled) */
	while (n < memo_max && memo->ip[n] == lookup) {
		if ((st = step(memo->rule[n], &sp, &bp, top, &ra)) != 0)
			return st < 0 ? -1 : n;
		pcs[n++] = ra;
		if (n == max)
			return n;
		lookup = ra - 1;   /* the call instruction, not what follows it */
	}
	for (;;) {
		uint64_t rule;
		if (n < memo_max && memo->ip[n] == lookup) {
			rule = memo->rule[n];
		} else {
			rule = rule_for(lookup);
			if (n < memo_max) {
				memo->ip[n] = lookup;
				memo->rule[n] = rule;
			}
		}
		if ((st = step(rule, &sp, &bp, top, &ra)) != 0)
			return st < 0 ? -1 : n;
		pcs[n++] = ra;
		if (n == max)
			return n;
		lookup = ra - 1;
	}
}

#else   /* not x86-64: always libunwind */

int cprof_unwind_fast(uint64_t *pcs, int max, struct cprof_unwind_memo *memo, uintptr_t skip_lo,
	uintptr_t skip_hi)
{
	(void)pcs;
	(void)max;
	(void)memo;
	(void)skip_lo;
	(void)skip_hi;
	return -1;
}

void cprof_unwind_flush(void)
{
}

#endif

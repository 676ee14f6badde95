/* stacks.c: stacks → the stack_profile_* callsite tree.
 *
 * A stack is interned once: a whole-stack cache answers repeated stacks
 * (the common case: the same lock taken from the same place) without
 * walking frames.  Frames are keyed by address and symbolized only at the
 * end, so each address is resolved once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"

struct callsite {
	int64_t parent;        /* CONV_NULL for depth 0 */
	int64_t frame;
	int64_t depth;
};

struct conv_stacks {
	struct conv_map frames;      /* address → frame id */
	uint64_t *frame_addr;        /* owned, [id - 1] */
	size_t n_frames, cap_frames;
	struct conv_map callsites;   /* parent << 32 | frame → callsite id */
	struct callsite *cs;         /* owned, [id - 1] */
	size_t n_cs, cap_cs;
	struct conv_map whole;       /* hash of a stack → index into stk */
	struct { size_t off; unsigned n; int64_t leaf; } *stk;   /* owned */
	size_t n_stk, cap_stk;
	uint64_t *arena;             /* owned: the pcs of cached stacks */
	size_t n_arena, cap_arena;
};


int conv_stacks_create(struct conv_stacks **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : -ENOMEM;
}

void conv_stacks_destroy(struct conv_stacks *s)
{
	if (!s)
		return;
	conv_map_fini(&s->frames);
	conv_map_fini(&s->callsites);
	conv_map_fini(&s->whole);
	free(s->frame_addr);
	free(s->cs);
	free(s->stk);
	free(s->arena);
	free(s);
}

uint64_t conv_stacks_count(const struct conv_stacks *s) { return s->n_cs; }

static int64_t frame_id(struct conv_stacks *s, uint64_t addr)
{
	uint64_t *v = conv_map_get(&s->frames, addr);
	if (v)
		return (int64_t) *v;
	if (conv_grow((void **) &s->frame_addr, &s->cap_frames, s->n_frames + 1, sizeof(uint64_t)) < 0)
		return CONV_NULL;
	s->frame_addr[s->n_frames++] = addr;
	if (conv_map_put(&s->frames, addr, s->n_frames) < 0)
		return CONV_NULL;
	return (int64_t) s->n_frames;
}

static int64_t callsite_id(struct conv_stacks *s, int64_t parent, int64_t frame, int64_t depth)
{
	uint64_t key = ((uint64_t) (parent == CONV_NULL ? 0 : parent) << 32) | (uint64_t) frame;
	uint64_t *v = conv_map_get(&s->callsites, key);
	if (v)
		return (int64_t) *v;
	if (conv_grow((void **) &s->cs, &s->cap_cs, s->n_cs + 1, sizeof *s->cs) < 0)
		return CONV_NULL;
	s->cs[s->n_cs++] = (struct callsite) { parent, frame, depth };
	if (conv_map_put(&s->callsites, key, s->n_cs) < 0)
		return CONV_NULL;
	return (int64_t) s->n_cs;
}

static uint64_t hash_stack(const uint64_t *pcs, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	for (unsigned i = 0; i < n; i++)
		h = conv_hash64(h ^ pcs[i]);
	return h;
}

int64_t conv_stacks_intern(struct conv_stacks *s, const uint64_t *pcs, unsigned n)
{
	if (!n)
		return CONV_NULL;
	uint64_t h = hash_stack(pcs, n);
	uint64_t *v = conv_map_get(&s->whole, h);
	if (v) {
		size_t k = (size_t) *v;
		if (s->stk[k].n == n && !memcmp(s->arena + s->stk[k].off, pcs, n * sizeof *pcs))
			return s->stk[k].leaf;
	}
	int64_t parent = CONV_NULL;
	for (unsigned d = 0; d < n; d++) {
		int64_t f = frame_id(s, pcs[n - 1 - d]);       /* depth 0 = outermost */
		if (f == CONV_NULL)
			return CONV_NULL;
		parent = callsite_id(s, parent, f, d);
		if (parent == CONV_NULL)
			return CONV_NULL;
	}
	/* on a hash collision the first stack keeps the slot: still correct */
	if (!v && conv_grow((void **) &s->stk, &s->cap_stk, s->n_stk + 1, sizeof *s->stk) == 0 &&
			conv_grow((void **) &s->arena, &s->cap_arena, s->n_arena + n, sizeof(uint64_t)) == 0) {
		memcpy(s->arena + s->n_arena, pcs, n * sizeof *pcs);
		s->stk[s->n_stk].off = s->n_arena;
		s->stk[s->n_stk].n = n;
		s->stk[s->n_stk].leaf = parent;
		s->n_arena += n;
		conv_map_put(&s->whole, h, s->n_stk++);
	}
	return parent;
}

int conv_stacks_write(struct conv_stacks *s, struct conv_symbols *sym, struct conv_writer *w)
{
	int ret = 0;
	for (int i = 0; i < conv_symbols_module_count(sym) && !ret; i++) {
		const struct conv_module_info *m = conv_symbols_module(sym, i);
		struct conv_val v[] = { VI(m->id), VT(m->build_id), VI((int64_t) m->start),
			VI((int64_t) m->end), VI((int64_t) m->bias), VT(m->path) };
		ret = conv_writer_insert(w, "INSERT INTO stack_profile_mapping VALUES (?,?,?,?,?,?)", v, 6);
	}
	for (size_t i = 0; i < s->n_frames && !ret; i++) {
		uint64_t a = s->frame_addr[i], off = 0;
		int64_t map;
		/* pcs are return addresses: a - 1 lies in the calling instruction,
		 * which matters when a call is the last instruction of a function */
		const char *name = conv_symbols_lookup(sym, a ? a - 1 : a, &map, &off);
		int64_t bias = map == CONV_NULL ? 0 : (int64_t) conv_symbols_module(sym, (int) map - 1)->bias;
		struct conv_val v[] = { VI((int64_t) i + 1), VT(name), VI(map), VI((int64_t) a - bias),
			VI((int64_t) a), name ? VI((int64_t) off + (a ? 1 : 0)) : VI(CONV_NULL),
			VT(NULL), VI(CONV_NULL) };
		ret = conv_writer_insert(w, "INSERT INTO stack_profile_frame VALUES (?,?,?,?,?,?,?,?)", v, 8);
	}
	for (size_t i = 0; i < s->n_cs && !ret; i++) {
		struct conv_val v[] = { VI((int64_t) i + 1), VI(s->cs[i].depth), VI(s->cs[i].parent),
			VI(s->cs[i].frame) };
		ret = conv_writer_insert(w, "INSERT INTO stack_profile_callsite VALUES (?,?,?,?)", v, 4);
	}
	return ret;
}

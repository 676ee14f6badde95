/* pprof.c: profile.proto writer (github.com/google/pprof proto/profile.proto)
 * encoded by hand: a blocking profile has two sample values, like
 * `go tool trace -pprof`: contentions/count and delay/nanoseconds.  Each
 * frame of the trace is one location and one function; one mapping marked
 * as symbolized keeps pprof from trying to symbolize again. */
#include "pprof.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

struct strtab {
	char **s;   /* borrowed strings */
	int n, cap;
};

static int64_t str_id(struct strtab *t, const char *s)
{
	int i;

	if (!s)
		s = "";
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->s[i], s))
			return i;
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 64;
		char **n = realloc(t->s, (size_t)cap * sizeof(*n));

		if (!n)
			return -1;
		t->s = n;
		t->cap = cap;
	}
	t->s[t->n] = (char *)s;
	return t->n++;
}

static void varint(struct vw_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	int n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	vw_buf_put(b, tmp, (size_t)n);
}

static void field_int(struct vw_buf *b, int field, uint64_t v)
{
	varint(b, (uint64_t)field << 3);
	varint(b, v);
}

static void field_bytes(struct vw_buf *b, int field, const void *p, size_t n)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, n);
	vw_buf_put(b, p, n);
}

/* Appends the submessage in sub as field, then empties sub. */
static void field_msg(struct vw_buf *b, int field, struct vw_buf *sub)
{
	field_bytes(b, field, sub->p ? sub->p : "", sub->len);
	sub->len = 0;
}

static void value_type(struct vw_buf *b, struct vw_buf *sub, int field, int64_t type,
		       int64_t unit)
{
	field_int(sub, 1, (uint64_t)type);
	field_int(sub, 2, (uint64_t)unit);
	field_msg(b, field, sub);
}

int vw_pprof_encode(const struct vw_stacks *s, void **out, size_t *out_len)
{
	struct vw_buf b, sub, packed;
	struct strtab st = { 0 };
	int64_t nostack_fn;
	char (*unk)[32] = calloc((size_t)s->nframes + 1, sizeof(*unk)); /* names of unnamed frames */
	int i, j, rc = -ENOMEM;

	vw_buf_init(&b);
	vw_buf_init(&sub);
	vw_buf_init(&packed);
	if (!unk)
		goto end;
	str_id(&st, "");
	value_type(&b, &sub, 1, str_id(&st, s->count_name ? s->count_name : "contentions"),
		   str_id(&st, s->count_unit ? s->count_unit : "count"));
	value_type(&b, &sub, 1, str_id(&st, s->value_name ? s->value_name : "delay"),
		   str_id(&st, s->value_unit ? s->value_unit : "nanoseconds"));
	/* Samples: locations leaf first; location i + 1 is frame i. */
	nostack_fn = s->nframes + 1;
	for (i = 0; i < s->nstacks; i++) {
		const struct vw_stack *k = &s->stacks[i];

		for (j = 0; j < k->nframes; j++)
			varint(&packed, (uint64_t)k->frames[j] + 1);
		if (!k->nframes)
			varint(&packed, (uint64_t)nostack_fn);
		field_msg(&sub, 1, &packed);
		varint(&packed, (uint64_t)k->count);
		varint(&packed, (uint64_t)k->total_ns);
		field_msg(&sub, 2, &packed);
		field_msg(&b, 2, &sub);
	}
	/* One mapping covering every address, already symbolized. */
	field_int(&sub, 1, 1);
	field_int(&sub, 2, 0);
	field_int(&sub, 3, UINT64_MAX >> 1);
	field_int(&sub, 5, (uint64_t)str_id(&st, "[cprof trace]"));
	field_int(&sub, 7, 1);
	field_int(&sub, 8, 1);
	field_int(&sub, 9, 1);
	field_msg(&b, 3, &sub);
	for (i = 0; i <= s->nframes; i++) {
		const struct vw_frame *f = i < s->nframes ? &s->frames[i] : NULL;

		field_int(&sub, 1, (uint64_t)i + 1);
		field_int(&sub, 2, 1);
		field_int(&sub, 3, f ? (uint64_t)f->address : 0);
		field_int(&packed, 1, (uint64_t)i + 1);
		if (f && f->line > 0)
			field_int(&packed, 2, (uint64_t)f->line);
		field_msg(&sub, 4, &packed);
		field_msg(&b, 4, &sub);
	}
	for (i = 0; i <= s->nframes; i++) {
		const struct vw_frame *f = i < s->nframes ? &s->frames[i] : NULL;
		const char *name = f ? f->name : "(no stack)";
		int64_t nid;

		if (!name) {
			snprintf(unk[i], sizeof(unk[i]), "0x%llx", (unsigned long long)f->address);
			name = unk[i];
		}
		nid = str_id(&st, name);
		field_int(&sub, 1, (uint64_t)i + 1);
		field_int(&sub, 2, (uint64_t)nid);
		field_int(&sub, 3, (uint64_t)nid);
		if (f && f->file)
			field_int(&sub, 4, (uint64_t)str_id(&st, f->file));
		field_msg(&b, 5, &sub);
	}
	value_type(&b, &sub, 11, str_id(&st, s->value_name ? s->value_name : "delay"),
		   str_id(&st, s->value_unit ? s->value_unit : "nanoseconds"));
	for (i = 0; i < st.n; i++)
		field_bytes(&b, 6, st.s[i], strlen(st.s[i]));
	field_int(&b, 9, (uint64_t)s->t_start);
	field_int(&b, 10, (uint64_t)(s->t_end - s->t_start));
	if (b.oom || sub.oom || packed.oom)
		goto end;
	rc = vw_gzip(b.p, b.len, 6, out, out_len);
end:
	free(st.s);
	free(unk);
	vw_buf_fini(&b);
	vw_buf_fini(&sub);
	vw_buf_fini(&packed);
	return rc;
}

int vw_pprof_profile(struct vw_db *db, const char *kind, void **out, size_t *out_len,
		     struct vw_err *err)
{
	struct vw_stacks s;
	int rc = vw_q_stacks(db, kind, &s, err);

	if (rc)
		return rc;
	rc = vw_pprof_encode(&s, out, out_len);
	vw_stacks_fini(&s);
	if (rc)
		vw_err_set(err, "cannot encode the profile");
	return rc;
}

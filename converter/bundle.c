/* bundle.c: what an unpacked trace.out holds besides events.
 *
 * Owns the layout rules of tracer/TRACE_FORMAT.md: the format marker (a
 * newer or unknown format is refused with a clear message), info.txt, and
 * the list of CTF sub-traces.  A sub-trace whose index names a stream file
 * that is missing is set aside as broken here, before libbabeltrace2 sees it. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conv.h"
#include "cprof_events.h"

static char *read_small(const char *dir, const char *rel, size_t max)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "rb");
	if (!f)
		return NULL;
	char *buf = calloc(1, max + 1);
	if (buf)
		fread(buf, 1, max, f);
	fclose(f);
	return buf;
}

static int push(char ***v, int *n, const char *s)
{
	char **nv = realloc(*v, sizeof(char *) * (size_t) (*n + 1));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void parse_info(struct conv_info *info, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		const char *k = line, *v = eq + 1;
		if (!strcmp(k, "pid")) info->pid = strtoll(v, NULL, 10);
		else if (!strcmp(k, "exe")) snprintf(info->exe, sizeof info->exe, "%s", v);
		else if (!strcmp(k, "hostname")) snprintf(info->hostname, sizeof info->hostname, "%s", v);
		else if (!strcmp(k, "cprof_version"))
			snprintf(info->cprof_version, sizeof info->cprof_version, "%s", v);
		else if (!strcmp(k, "start_ns")) info->start_ns = strtoll(v, NULL, 10);
		else if (!strcmp(k, "end_ns")) info->end_ns = strtoll(v, NULL, 10);
		else if (!strcmp(k, "seconds")) info->seconds = strtoll(v, NULL, 10);
		else if (!strcmp(k, "discarded_events")) info->ctl_discarded = strtoll(v, NULL, 10);
		else if (!strcmp(k, "lost_packets")) info->ctl_lost_packets = strtoll(v, NULL, 10);
		else if (!strcmp(k, "internal_errors")) info->internal_errors = strtoll(v, NULL, 10);
	}
}

/* libbabeltrace2 2.0 loops forever on a truncated packetized metadata file,
 * so the packet chain is checked here: each header's magic and sizes must
 * fit the file.  Plain-text metadata is passed through. */
static const char *check_metadata(const char *dir)
{
	char p[4096];
	unsigned char h[37];
	snprintf(p, sizeof p, "%s/metadata", dir);
	FILE *f = fopen(p, "rb");
	if (!f)
		return "cannot open its metadata";
	const char *bad = NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f), off = 0;
	while (!bad && off < size) {
		fseek(f, off, SEEK_SET);
		size_t n = fread(h, 1, sizeof h, f);
		if (off == 0 && n >= 6 && !memcmp(h, "/* CTF", 6))
			break;
		uint32_t magic, content, packet;
		memcpy(&magic, h, 4);
		memcpy(&content, h + 24, 4);
		memcpy(&packet, h + 28, 4);
		if (magic == 0x571dd175u) {      /* other byte order */
			content = __builtin_bswap32(content);
			packet = __builtin_bswap32(packet);
		} else if (magic != 0x75d11d57u) {
			packet = 0;
		}
		if (n < sizeof h || !packet || packet % 8 || content > packet || content < 8 * sizeof h ||
				off + (long) (packet / 8) > size)
			bad = "its metadata is truncated or corrupt";
		off += packet / 8;
	}
	fclose(f);
	return size > 0 ? bad : "its metadata is empty";
}

/* A stream listed in index/ must exist: LTTng writes both together, so a
 * missing one means the archive lost data. */
static const char *check_streams(const char *dir, char *why, size_t whylen)
{
	char p[4096];
	int streams = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return "cannot list the directory";
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "metadata") && strcmp(e->d_name, "index"))
			streams++;
	closedir(d);
	snprintf(p, sizeof p, "%s/index", dir);
	if ((d = opendir(p))) {
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);
			if (n < 5 || strcmp(e->d_name + n - 4, ".idx"))
				continue;
			struct stat st;
			snprintf(p, sizeof p, "%s/%.*s", dir, (int) (n - 4), e->d_name);
			if (stat(p, &st) < 0) {
				snprintf(why, whylen, "stream file %.*s is missing (its index exists)",
					(int) (n - 4), e->d_name);
				closedir(d);
				return why;
			}
		}
		closedir(d);
	}
	return streams ? NULL : "no stream files";
}

static struct conv_info *walk_info;
static int walk_ret;

static int walk_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void) sb; (void) ftw;
	char m[4096], why[512];
	struct stat st;
	if (flag != FTW_D)
		return 0;
	snprintf(m, sizeof m, "%s/metadata", p);
	if (stat(m, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	const char *bad = check_metadata(p);
	if (!bad)
		bad = check_streams(p, why, sizeof why);
	if (bad) {
		int n = walk_info->n_broken;     /* broken_why grows in step with broken */
		walk_ret = push(&walk_info->broken_why, &n, bad);
		if (!walk_ret)
			walk_ret = push(&walk_info->broken, &walk_info->n_broken, p);
	} else {
		walk_ret = push(&walk_info->subtraces, &walk_info->n_subtraces, p);
	}
	return walk_ret ? 1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

int conv_bundle_open(const char *dir, struct conv_info *info, struct conv_error *err)
{
	char ctf[4096];
	struct stat st;
	char *fmt = NULL, *text = NULL;
	int ret = 0;

	memset(info, 0, sizeof *info);
	info->start_ns = info->end_ns = CONV_NULL;
	info->pid = CONV_NULL;
	fmt = read_small(dir, "cprof/FORMAT", 256);
	if (!fmt) {
		conv_error_set(err, "not a cprof trace: cprof/FORMAT is missing from the archive");
		ret = -EINVAL;
		goto end;
	}
	if (sscanf(fmt, "cprof-trace %d", &info->format) != 1 || info->format < 1) {
		conv_error_set(err, "not a cprof trace: unrecognized format marker in cprof/FORMAT");
		ret = -EINVAL;
		goto end;
	}
	if (info->format > CPROF_TRACE_FORMAT) {
		conv_error_set(err, "trace format %d is newer than this converter understands "
			"(format %d): upgrade cprof to read it", info->format, CPROF_TRACE_FORMAT);
		ret = -ENOTSUP;
		goto end;
	}
	if ((text = read_small(dir, "cprof/info.txt", 65536)))
		parse_info(info, text);
	else
		conv_warn("cprof/info.txt is missing: process details come from the events only");
	snprintf(ctf, sizeof ctf, "%s/ctf", dir);
	if (stat(ctf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		conv_error_set(err, "the archive holds no CTF trace (ctf/ is missing)");
		ret = -ENOENT;
		goto end;
	}
	walk_info = info;
	walk_ret = 0;
	nftw(ctf, walk_cb, 16, FTW_PHYS);
	if ((ret = walk_ret) < 0) {
		conv_error_set(err, "out of memory");
		goto end;
	}
	if (info->n_subtraces + info->n_broken == 0) {
		conv_error_set(err, "the archive holds no CTF trace (no metadata file under ctf/)");
		ret = -ENOENT;
		goto end;
	}
	qsort(info->subtraces, (size_t) info->n_subtraces, sizeof(char *), cmp_str);
	/* The indexes have served (check_streams).  libbabeltrace2 would trust
	 * them too far: an offset past a stream's end fails an assertion
	 * (abort) in ds_file_mmap.  Without index/ it reads the packet headers
	 * from the streams themselves: a few hundred reads for a 600 MB trace. */
	for (int i = 0; i < info->n_subtraces; i++) {
		char idx[4096];
		snprintf(idx, sizeof idx, "%s/index", info->subtraces[i]);
		conv_rmtree(idx);
	}
end:
	free(fmt);
	free(text);
	return ret;
}

void conv_bundle_fini(struct conv_info *info)
{
	for (int i = 0; i < info->n_subtraces; i++)
		free(info->subtraces[i]);
	for (int i = 0; i < info->n_broken; i++) {
		free(info->broken[i]);
		free(info->broken_why[i]);
	}
	free(info->subtraces);
	free(info->broken);
	free(info->broken_why);
	info->subtraces = info->broken = info->broken_why = NULL;
	info->n_subtraces = info->n_broken = 0;
}

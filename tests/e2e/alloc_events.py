#!/usr/bin/env python3
"""alloc_events.py: reads `babeltrace2 ctf/` text (stdin) and the unpacked
trace.out directory (argv[1]); prints `key=value` facts about the memory
events for the test_alloc_* shell tests to assert on:
  events.<name>=N, heap.first/last/max (inuse_bytes), samples, live_samples,
  top_live=<function> (top in-use site by unbiased bytes, first frame that is
  not an allocator function), top_live_stack=f1,f2,..., gc_kinds=a,b,
  boehm_config=0|1."""
import bisect, collections, math, os, re, sys

root = sys.argv[1]
mods = []
for line in open(os.path.join(root, "cprof/modules.tsv")):
    f = line.rstrip("\n").split("\t")
    idx, start, end, bias = int(f[0]), int(f[1], 16), int(f[2], 16), int(f[3], 16)
    syms = []
    p = os.path.join(root, "cprof/symbols/%d.tsv" % idx)
    if os.path.exists(p):
        for s in open(p):
            v, size, name = s.rstrip("\n").split("\t", 2)
            syms.append((int(v, 16), int(size), name))
    mods.append((start, end, bias, [s[0] for s in syms], syms))

def symbolize(addr):
    for start, end, bias, keys, syms in mods:
        if start <= addr < end:
            off = addr - 1 - bias   # a return address points after the call
            i = bisect.bisect_right(keys, off) - 1
            if i >= 0 and (syms[i][1] == 0 or off < syms[i][0] + syms[i][1]):
                return syms[i][2]
            return "?"
    return "?"

ev_re = re.compile(r"cprof:(\w+): .*?\{ vtid = \d+ \}(?:, \{(.*)\})?$")
counts = collections.Counter()
heap = []
live = {}
rate = 524288
kinds = set()
boehm = "?"
for line in sys.stdin:
    m = ev_re.search(line.rstrip())
    if not m:
        continue
    name, body = m.group(1), m.group(2) or ""
    counts[name] += 1
    if name == "heap":
        heap.append(int(re.search(r"inuse_bytes = (-?\d+)", body).group(1)))
    elif name == "alloc_config":
        rate = int(re.search(r"sample_rate = (\d+)", body).group(1))
        boehm = re.search(r"boehm = (\d+)", body).group(1)
    elif name == "alloc_sample":
        ptr = re.search(r"ptr = (0x[0-9A-Fa-f]+)", body).group(1).lower()
        usable = int(re.search(r"usable = (\d+)", body).group(1))
        stack = [int(x, 16) for x in re.findall(r"\[\d+\] = (0x[0-9A-Fa-f]+)", body)]
        live[ptr] = (usable, stack)
    elif name == "free_sample":
        live.pop(re.search(r"ptr = (0x[0-9A-Fa-f]+)", body).group(1).lower(), None)
    elif name == "gc_begin":
        kinds.add(re.search(r'kind = "([^"]*)"', body).group(1))

alloc_fns = {"malloc", "calloc", "realloc", "strdup", "strndup", "xmalloc", "xcalloc",
             "xrealloc", "reallocarray", "__libc_malloc", "posix_memalign", "aligned_alloc"}
by_site = collections.Counter()
stacks = {}
for usable, stack in live.values():
    names = [symbolize(a) for a in stack]
    site = next((n for n in names if n not in alloc_fns), "?")
    weight = usable / (1 - math.exp(-usable / rate)) if rate > 1 else usable
    by_site[site] += weight
    stacks[site] = names
for k in sorted(counts):
    print("events.%s=%d" % (k, counts[k]))
if heap:
    print("heap.first=%d\nheap.last=%d\nheap.max=%d" % (heap[0], heap[-1], max(heap)))
print("samples=%d" % counts["alloc_sample"])
print("live_samples=%d" % len(live))
if by_site:
    top = by_site.most_common(1)[0][0]
    print("top_live=%s" % top)
    print("top_live_stack=%s" % ",".join(stacks[top]))
print("gc_kinds=%s" % ",".join(sorted(kinds)))
print("boehm_config=%s" % boehm)

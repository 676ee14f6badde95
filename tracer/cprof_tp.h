/* cprof_tp.h: the LTTng-UST event catalog of cprof (provider "cprof").
 *
 * This header is the contract between the tracer and the converter: field
 * names and types here are what babeltrace2 shows.  Semantics of every event
 * are documented in tracer/EVENTS.md.  The provider is compiled exactly once,
 * in tracer/tp.c, into libcprof.so.  Every event gets the `vtid` context from
 * the session (tracer/session.c), nothing else per event. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER cprof

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "cprof_tp.h"

#if !defined(CPROF_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define CPROF_TP_H

#include <lttng/tracepoint.h>
#include <stdint.h>

#ifndef CPROF_SYNC_WAIT_EV
#define CPROF_SYNC_WAIT_EV
/* The fields of cprof:sync_wait (more than a tracepoint's ten arguments). */
struct cprof_sync_wait_ev {
	uint8_t kind;
	int32_t result, waker_tid, tid;
	uint32_t gen;
	uint64_t obj, dur_ns, wake_ago_ns, end_ago_ns;
};
/* The fields of cprof:net_wait but its sequences. */
struct cprof_net_wait_ev {
	uint8_t kind, op;
	int32_t fd, err, waker_tid;
	int64_t result;
	uint64_t dur_ns, wake_ago_ns;
};
#endif

/* ---- process and modules (emitted once at trace start) ---------------- */

LTTNG_UST_TRACEPOINT_EVENT(cprof, process,
	LTTNG_UST_TP_ARGS(int32_t, pid, const char *, exe, const char *, hostname,
		const char *, version, const uint8_t *, cmdline, uint32_t, cmdline_len,
		uint32_t, format),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, pid, pid)
		lttng_ust_field_string(exe, exe)
		lttng_ust_field_string(hostname, hostname)
		lttng_ust_field_string(version, version)
		lttng_ust_field_integer(uint32_t, format, format)
		/* argv joined with NUL separators, like /proc/PID/cmdline */
		lttng_ust_field_sequence(uint8_t, cmdline, cmdline, uint32_t, cmdline_len)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, module,
	LTTNG_UST_TP_ARGS(const char *, path, uint64_t, base, uint64_t, size,
		const uint8_t *, build_id, uint8_t, build_id_len),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(path, path)
		lttng_ust_field_integer_hex(uint64_t, base, base)
		lttng_ust_field_integer(uint64_t, size, size)
		lttng_ust_field_sequence_hex(uint8_t, build_id, build_id, uint8_t, build_id_len)))

/* ---- threads ------------------------------------------------------------ */

/* One per live thread at trace start.  wait_kind is an enum cprof_wait_kind
 * (0 = running); wait_age_ns is how long the thread has been in that wait. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_status,
	LTTNG_UST_TP_ARGS(int32_t, tid, uint64_t, handle, const char *, name,
		uint64_t, start_routine, uint8_t, wait_kind, uint64_t, wait_obj,
		uint64_t, wait_age_ns, int32_t, creator_tid),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, tid, tid)
		lttng_ust_field_integer_hex(uint64_t, handle, handle)
		lttng_ust_field_string(name, name)
		lttng_ust_field_integer_hex(uint64_t, start_routine, start_routine)
		lttng_ust_field_integer(uint8_t, wait_kind, wait_kind)
		lttng_ust_field_integer_hex(uint64_t, wait_obj, wait_obj)
		lttng_ust_field_integer(uint64_t, wait_age_ns, wait_age_ns)
		lttng_ust_field_integer(int32_t, creator_tid, creator_tid)))

/* In the creator, right after pthread_create succeeded. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_create,
	LTTNG_UST_TP_ARGS(uint64_t, create_id, uint64_t, handle, uint64_t, start_routine,
		const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, create_id, create_id)
		lttng_ust_field_integer_hex(uint64_t, handle, handle)
		lttng_ust_field_integer_hex(uint64_t, start_routine, start_routine)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))

/* First event of a new thread; create_id matches the creator's thread_create. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_start,
	LTTNG_UST_TP_ARGS(uint64_t, create_id, int32_t, creator_tid, uint64_t, handle,
		uint64_t, start_routine, const char *, name),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, create_id, create_id)
		lttng_ust_field_integer(int32_t, creator_tid, creator_tid)
		lttng_ust_field_integer_hex(uint64_t, handle, handle)
		lttng_ust_field_integer_hex(uint64_t, start_routine, start_routine)
		lttng_ust_field_string(name, name)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_end,
	LTTNG_UST_TP_ARGS(uint64_t, handle),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, handle, handle)))

/* Thread tid (not necessarily the caller) was named. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_name,
	LTTNG_UST_TP_ARGS(int32_t, tid, const char *, name),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, tid, tid)
		lttng_ust_field_string(name, name)))

/* ---- blocking ------------------------------------------------------------ */

/* The calling thread is about to block on obj (a wait kind, see
 * common/cprof_events.h).  The stack is the caller's, innermost first. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, block_begin,
	LTTNG_UST_TP_ARGS(uint8_t, kind, uint64_t, obj, const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))

/* The wait ended; result is the primitive's return value (0, or an errno
 * such as ETIMEDOUT for timed waits). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, block_end,
	LTTNG_UST_TP_ARGS(uint8_t, kind, uint64_t, obj, int32_t, result),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_integer(int32_t, result, result)))

/* The calling thread released obj while others were blocked on it (unlock of
 * a contended mutex, cond signal, sem_post, the mutex released by a cond
 * wait...).  One event per woken thread (a broadcast emits several):
 * target_tid is the woken thread, the longest waiter cprof saw block on obj
 * that no earlier wake claimed; 0 if unknown. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, wake,
	LTTNG_UST_TP_ARGS(uint8_t, kind, uint64_t, obj, int32_t, target_tid),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_integer(int32_t, target_tid, target_tid)))

/* A human name for an address (cprof_name_object, global symbols). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, object_name,
	LTTNG_UST_TP_ARGS(uint64_t, obj, const char *, name),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_string(name, name)))

/* ---- user annotations (Go's runtime/trace tasks, regions, logs) ------- */

/* A task: a logical operation that may span threads (ids from a process-wide
 * counter, 0 = no task / background). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, task_begin,
	LTTNG_UST_TP_ARGS(uint64_t, id, uint64_t, parent, const char *, type,
		const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, id, id)
		lttng_ust_field_integer(uint64_t, parent, parent)
		lttng_ust_field_string(type, type)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, task_end,
	LTTNG_UST_TP_ARGS(uint64_t, id),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, id, id)))

/* A region: a span of one thread, nested in the thread's other regions. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, region_begin,
	LTTNG_UST_TP_ARGS(uint64_t, task, const char *, type,
		const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, task, task)
		lttng_ust_field_string(type, type)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))

/* Ends the innermost open region of the thread (type repeated for checks). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, region_end,
	LTTNG_UST_TP_ARGS(uint64_t, task, const char *, type),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, task, task)
		lttng_ust_field_string(type, type)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, user_log,
	LTTNG_UST_TP_ARGS(uint64_t, task, const char *, category, const char *, message),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, task, task)
		lttng_ust_field_string(category, category)
		lttng_ust_field_string(message, message)))

/* Last event of a capture: what the tracer itself dropped or skipped. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, trace_end,
	LTTNG_UST_TP_ARGS(uint64_t, threads, uint64_t, internal_errors),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, threads, threads)
		lttng_ust_field_integer(uint64_t, internal_errors, internal_errors)))
/* ---- memory (issue 7; tracer/EVENTS.md "Memory") ------------------------ */

/* Once per capture, at its start: the allocator settings the other memory
 * events depend on.  sample_rate: mean bytes between two alloc_sample (0 =
 * sampling off); heap_delta: how far inuse_bytes moves before a heap event is
 * considered; period_ns: the heap + mallinfo period (0 = off); enabled: 0 if
 * CPROF_ALLOC=0 switched accounting off; boehm: 1 if the Boehm GC callback is
 * installed. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, alloc_config,
	LTTNG_UST_TP_ARGS(uint64_t, sample_rate, uint64_t, heap_delta, uint64_t, period_ns,
		uint8_t, enabled, uint8_t, boehm),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, sample_rate, sample_rate)
		lttng_ust_field_integer(uint64_t, heap_delta, heap_delta)
		lttng_ust_field_integer(uint64_t, period_ns, period_ns)
		lttng_ust_field_integer(uint8_t, enabled, enabled)
		lttng_ust_field_integer(uint8_t, boehm, boehm)))

/* Process-wide heap counter (malloc family, usable sizes): bytes and blocks
 * in use, cumulative bytes and blocks allocated.  Emitted when inuse_bytes
 * moved by heap_delta (at most once per coarse clock tick), periodically, and
 * at trace start/stop - never per call.  Approximate: each thread folds its
 * deltas every 256 calls or 256 KiB.  The emitting vtid is irrelevant. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, heap,
	LTTNG_UST_TP_ARGS(int64_t, inuse_bytes, int64_t, inuse_objects, uint64_t, alloc_bytes,
		uint64_t, allocs),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int64_t, inuse_bytes, inuse_bytes)
		lttng_ust_field_integer(int64_t, inuse_objects, inuse_objects)
		lttng_ust_field_integer(uint64_t, alloc_bytes, alloc_bytes)
		lttng_ust_field_integer(uint64_t, allocs, allocs)))

/* glibc's mallinfo2(), periodically and after malloc_trim (process-wide). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, mallinfo,
	LTTNG_UST_TP_ARGS(uint64_t, arena, uint64_t, ordblks, uint64_t, smblks, uint64_t, hblks,
		uint64_t, hblkhd, uint64_t, fsmblks, uint64_t, uordblks, uint64_t, fordblks,
		uint64_t, keepcost),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, arena, arena)
		lttng_ust_field_integer(uint64_t, ordblks, ordblks)
		lttng_ust_field_integer(uint64_t, smblks, smblks)
		lttng_ust_field_integer(uint64_t, hblks, hblks)
		lttng_ust_field_integer(uint64_t, hblkhd, hblkhd)
		lttng_ust_field_integer(uint64_t, fsmblks, fsmblks)
		lttng_ust_field_integer(uint64_t, uordblks, uordblks)
		lttng_ust_field_integer(uint64_t, fordblks, fordblks)
		lttng_ust_field_integer(uint64_t, keepcost, keepcost)))

/* A sampled allocation (one per sample_rate bytes on average, exponential
 * intervals): the block's address, the requested size, its usable size, and
 * the allocating stack (innermost first, starting at malloc's caller).  A
 * sample of usable size u stands for u / (1 - exp(-u / sample_rate)) bytes. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, alloc_sample,
	LTTNG_UST_TP_ARGS(uint64_t, ptr, uint64_t, size, uint64_t, usable,
		const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, ptr, ptr)
		lttng_ust_field_integer(uint64_t, size, size)
		lttng_ust_field_integer(uint64_t, usable, usable)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))

/* A block reported by an alloc_sample was freed (or moved by realloc). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, free_sample,
	LTTNG_UST_TP_ARGS(uint64_t, ptr, uint64_t, usable),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, ptr, ptr)
		lttng_ust_field_integer(uint64_t, usable, usable)))

/* A GC-like phase begins on the calling thread: kind is "malloc_trim",
 * "boehm", "boehm.mark", "boehm.reclaim" or the cprof_gc_begin argument.
 * Phases nest per thread; gc_end closes the innermost. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, gc_begin,
	LTTNG_UST_TP_ARGS(const char *, kind),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(kind, kind)))

/* result: malloc_trim's return value (1: memory was released), the
 * collection number for "boehm", 0 otherwise. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, gc_end,
	LTTNG_UST_TP_ARGS(int64_t, result),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int64_t, result, result)))

/* Stop-the-world pause (the program's other threads do not run) on the
 * calling thread, until stw_end; reason "boehm" or cprof_stw_begin's. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, stw_begin,
	LTTNG_UST_TP_ARGS(const char *, reason),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(reason, reason)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, stw_end,
	LTTNG_UST_TP_ARGS(uint8_t, unused),
	LTTNG_UST_TP_FIELDS())

/* Boehm GC heap after a collection (GC_prof_stats_s, at GC_EVENT_END):
 * gc_no, heap size, free bytes (both including unmapped), unmapped bytes,
 * bytes allocated since the previous collection, bytes it reclaimed. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, gc_heap,
	LTTNG_UST_TP_ARGS(uint64_t, gc_no, uint64_t, heap_size, uint64_t, free_bytes,
		uint64_t, unmapped_bytes, uint64_t, allocd_since_gc, uint64_t, reclaimed),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, gc_no, gc_no)
		lttng_ust_field_integer(uint64_t, heap_size, heap_size)
		lttng_ust_field_integer(uint64_t, free_bytes, free_bytes)
		lttng_ust_field_integer(uint64_t, unmapped_bytes, unmapped_bytes)
		lttng_ust_field_integer(uint64_t, allocd_since_gc, allocd_since_gc)
		lttng_ust_field_integer(uint64_t, reclaimed, reclaimed)))

/* ---- network and syscalls (fdtable.c, wrap_net.c, wrap_sys.c) ---------- *
 * Field semantics and what is (not) recorded: tracer/EVENTS.md. */

/* What fd is: emitted for every open fd at trace start (origin 0), before the
 * first event naming an fd in a trace (1), and on accept/connect (2, 3).
 * The latest fd_info of an fd applies until the next one.  type: enum
 * cprof_fd_type; family: AF_* (0 for non-sockets); sotype: SOCK_* (0 for
 * non-sockets); local/peer: "127.0.0.1:8080", "[::1]:8080", a unix path,
 * "@name" (abstract) or "-" when unknown; path: the file (or pipe:[ino],
 * anon_inode:[eventfd]...) as /proc/self/fd shows it, "-" for sockets.
 * Never "": babeltrace2 2.0.4 reads an empty string field as the previous
 * event's value (efficios/babeltrace#116). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, fd_info,
	LTTNG_UST_TP_ARGS(int32_t, fd, uint8_t, type, uint8_t, origin, uint16_t, family,
		uint8_t, sotype, const char *, local, const char *, peer, const char *, path),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, fd, fd)
		lttng_ust_field_integer(uint8_t, type, type)
		lttng_ust_field_integer(uint8_t, origin, origin)
		lttng_ust_field_integer(uint16_t, family, family)
		lttng_ust_field_integer(uint8_t, sotype, sotype)
		lttng_ust_field_string(local, local)
		lttng_ust_field_string(peer, peer)
		lttng_ust_field_string(path, path)))

/* A socket was closed by the calling thread (close/shutdown of other fds is
 * not recorded).  bytes_in/bytes_out/ops count what the process read and
 * wrote on it through the interposed calls, blocking or not, while tracing
 * (since trace start or since the socket was created, whichever is later).
 * err: errno of close, 0 on success. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, fd_close,
	LTTNG_UST_TP_ARGS(int32_t, fd, uint8_t, op, int32_t, err, uint64_t, bytes_in,
		uint64_t, bytes_out, uint64_t, ops),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, fd, fd)
		lttng_ust_field_integer(uint8_t, op, op)
		lttng_ust_field_integer(int32_t, err, err)
		lttng_ust_field_integer(uint64_t, bytes_in, bytes_in)
		lttng_ust_field_integer(uint64_t, bytes_out, bytes_out)
		lttng_ust_field_integer(uint64_t, ops, ops)))

/* End of a network wait: between the cprof:block_begin (kind NET_*, obj =
 * fd) that opened it and the cprof:block_end that closes it.  op: enum
 * cprof_net_op (the libc call); result: bytes moved (read/write family), the
 * new fd (accept), 0 (connect), ready count (poll family), -1 on error;
 * err: errno, 0 on success; dur_ns: time in the call (CLOCK_MONOTONIC);
 * fds: the fds polled (poll/select, first 16), empty otherwise. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, net_end,
	LTTNG_UST_TP_ARGS(uint8_t, op, int32_t, fd, int64_t, result, int32_t, err,
		uint64_t, dur_ns, const int32_t *, fds, uint8_t, nfds),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, op, op)
		lttng_ust_field_integer(int32_t, fd, fd)
		lttng_ust_field_integer(int64_t, result, result)
		lttng_ust_field_integer(int32_t, err, err)
		lttng_ust_field_integer(uint64_t, dur_ns, dur_ns)
		lttng_ust_field_sequence(int32_t, fds, fds, uint8_t, nfds)))

/* End of a syscall wait known to block before it started (sleep family,
 * fsync, waitpid, futex wait): between cprof:block_begin (kind SLEEP,
 * SYSCALL or FUTEX, obj = arg) and cprof:block_end.  nr: the syscall number
 * (x86-64 numbering on x86-64; prefer name); arg: fd, pid, futex address or
 * requested sleep (ns); result: the call's return value; err: errno or the
 * returned error number, 0 on success. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, syscall_end,
	LTTNG_UST_TP_ARGS(int32_t, nr, const char *, name, uint64_t, arg, int64_t, result,
		int32_t, err, uint64_t, dur_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, nr, nr)
		lttng_ust_field_string(name, name)
		lttng_ust_field_integer_hex(uint64_t, arg, arg)
		lttng_ust_field_integer(int64_t, result, result)
		lttng_ust_field_integer(int32_t, err, err)
		lttng_ust_field_integer(uint64_t, dur_ns, dur_ns)))

/* A complete syscall that may or may not block (file I/O, open), emitted
 * when it returns and only if it took at least CPROF_SYSCALL_MIN_US (20 us
 * by default): it started dur_ns before this event's timestamp.  No
 * block_begin/block_end pair goes with it: the converter makes it a
 * "syscall" thread state [ts - dur_ns, ts].  fd: the fd (the new fd for
 * open, -1 if none). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, syscall_span,
	LTTNG_UST_TP_ARGS(int32_t, nr, const char *, name, int32_t, fd, int64_t, result,
		int32_t, err, uint64_t, dur_ns, const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, nr, nr)
		lttng_ust_field_string(name, name)
		lttng_ust_field_integer(int32_t, fd, fd)
		lttng_ust_field_integer(int64_t, result, result)
		lttng_ust_field_integer(int32_t, err, err)
		lttng_ust_field_integer(uint64_t, dur_ns, dur_ns)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))

/* ---- network waits reported whole (appended: format 1 readers skip them) - */

/* A whole network wait, reported once when it ends instead of as
 * cprof:block_begin ... cprof:net_end ... cprof:block_end (what a capture
 * records for waits that began while it was running): the thread waited
 * from dur_ns before this event's timestamp.  kind: the wait kind (NET_*,
 * common/cprof_events.h), obj = fd as in block_begin; op, fd, result, err,
 * dur_ns, fds: as in cprof:net_end; stack: the caller's, innermost first. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, net_wait,
	LTTNG_UST_TP_ARGS(const struct cprof_net_wait_ev *, e, const int32_t *, fds, uint8_t, nfds,
		const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, kind, e->kind)
		lttng_ust_field_integer(uint8_t, op, e->op)
		lttng_ust_field_integer(int32_t, fd, e->fd)
		lttng_ust_field_integer(int64_t, result, e->result)
		lttng_ust_field_integer(int32_t, err, e->err)
		lttng_ust_field_integer(uint64_t, dur_ns, e->dur_ns)
		lttng_ust_field_sequence(int32_t, fds, fds, uint8_t, nfds)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)
		lttng_ust_field_integer(int32_t, waker_tid, e->waker_tid)
		lttng_ust_field_integer(uint64_t, wake_ago_ns, e->wake_ago_ns)))

/* Emitted by the thread that stops a capture, once per thread then inside a
 * wait that cprof:net_wait would have reported at its end (so after the
 * capture): thread tid has been waiting for dur_ns (kind, op, fd as in
 * cprof:net_wait).  No stack. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, net_wait_open,
	LTTNG_UST_TP_ARGS(int32_t, tid, uint8_t, kind, uint8_t, op, int32_t, fd, uint64_t, dur_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, tid, tid)
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer(uint8_t, op, op)
		lttng_ust_field_integer(int32_t, fd, fd)
		lttng_ust_field_integer(uint64_t, dur_ns, dur_ns)))

/* ---- stacks of waits begun before a capture (appended) ------------------- */

/* Emitted in the status dump at capture start, right after the
 * cprof:thread_status of a thread that is waiting: the first frames of that
 * wait's stack (innermost first, up to 8), kept when the wait began outside a
 * capture; and at capture stop after a cprof:sync_wait_open, that wait's
 * stack. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, status_stack,
	LTTNG_UST_TP_ARGS(int32_t, tid, const uint64_t *, stack, uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, tid, tid)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))

/* ---- lock and condvar waits reported whole (appended) -------------------- */

/* A whole wait on a mutex, rwlock, spinlock, condvar or semaphore begun
 * during a capture, reported once by the waiting thread instead of
 * cprof:block_begin, cprof:block_end and its waker's cprof:wake, and
 * written later (after the thread's next unlock, before its next event of
 * another kind, or by the thread that stops the capture).  The wait ended
 * end_ago_ns before this event's timestamp and lasted dur_ns; kind, obj and
 * result as in cprof:block_begin / cprof:block_end; waker_tid: the thread
 * whose unlock, signal or post woke it (0: unknown), wake_ago_ns before the
 * wait's end; gen: the wait's number in its thread (as in
 * cprof:sync_wait_open); tid: the waiting thread, 0 when it is the one
 * writing the event; stack: the waiter's, innermost first. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, sync_wait,
	LTTNG_UST_TP_ARGS(const struct cprof_sync_wait_ev *, e, const uint64_t *, stack,
		uint8_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, kind, e->kind)
		lttng_ust_field_integer_hex(uint64_t, obj, e->obj)
		lttng_ust_field_integer(int32_t, result, e->result)
		lttng_ust_field_integer(uint64_t, dur_ns, e->dur_ns)
		lttng_ust_field_integer(int32_t, waker_tid, e->waker_tid)
		lttng_ust_field_integer(uint64_t, wake_ago_ns, e->wake_ago_ns)
		lttng_ust_field_integer(uint64_t, end_ago_ns, e->end_ago_ns)
		lttng_ust_field_integer(uint32_t, gen, e->gen)
		lttng_ust_field_integer(int32_t, tid, e->tid)
		lttng_ust_field_sequence_hex(uint64_t, stack, stack, uint8_t, depth)))

/* Emitted by the thread that stops a capture, once per thread then inside a
 * wait that cprof:sync_wait would have reported at its end: thread tid has
 * been waiting for dur_ns (kind, obj, gen as in cprof:sync_wait; a
 * cprof:sync_wait of the same tid and gen, which can come first, makes it
 * void).  Its stack follows in a cprof:status_stack. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, sync_wait_open,
	LTTNG_UST_TP_ARGS(int32_t, tid, uint8_t, kind, uint64_t, obj, uint64_t, dur_ns, uint32_t, gen),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, tid, tid)
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_integer(uint64_t, dur_ns, dur_ns)
		lttng_ust_field_integer(uint32_t, gen, gen)))

#endif /* CPROF_TP_H */

#include <lttng/tracepoint-event.h>

-- cprof trace database, schema version 1.
-- Tables and column meanings are documented in schema/README.md.
-- Times are int64 nanoseconds since the Unix epoch (ts) and nanoseconds (dur).
-- Names follow Perfetto's trace processor where the concept is the same.
-- Ids are 1-based.  Indexes are in cprof_index.sql (created after the load).

CREATE TABLE metadata (
  name TEXT PRIMARY KEY,
  int_value INTEGER,
  str_value TEXT
);

CREATE TABLE stats (
  name TEXT NOT NULL,
  idx INTEGER NOT NULL DEFAULT 0,
  severity TEXT NOT NULL,          -- info | data_loss | error
  source TEXT NOT NULL,            -- trace | converter | tracer
  value INTEGER NOT NULL,
  description TEXT
);

CREATE TABLE process (
  upid INTEGER PRIMARY KEY,
  pid INTEGER NOT NULL,
  name TEXT,
  exe TEXT,
  cmdline TEXT,
  start_ts INTEGER,
  end_ts INTEGER
);

CREATE TABLE thread (
  utid INTEGER PRIMARY KEY,
  tid INTEGER NOT NULL,
  name TEXT,
  upid INTEGER REFERENCES process(upid),
  start_ts INTEGER,                 -- thread_start, or trace start for threads alive then
  end_ts INTEGER,                   -- thread_end, NULL if alive at trace end
  create_ts INTEGER,                -- creator's thread_create, NULL if unknown
  creator_utid INTEGER REFERENCES thread(utid),
  start_routine TEXT,               -- symbolized start routine
  start_routine_addr INTEGER,
  create_callsite_id INTEGER REFERENCES stack_profile_callsite(id),
  is_main_thread INTEGER NOT NULL DEFAULT 0,
  handle INTEGER                    -- pthread_t value
);

CREATE TABLE thread_name (
  utid INTEGER NOT NULL REFERENCES thread(utid),
  ts INTEGER NOT NULL,
  name TEXT NOT NULL
);

-- Gap-free per-thread state timeline.
CREATE TABLE thread_state (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  dur INTEGER NOT NULL,
  utid INTEGER NOT NULL REFERENCES thread(utid),
  state TEXT NOT NULL,              -- running | blocked | net | syscall | sleep | unknown
  reason TEXT,                      -- mutex, cond, ... (NULL when running/unknown)
  object_id INTEGER REFERENCES sync_object(id),
  waker_utid INTEGER REFERENCES thread(utid),
  waker_ts INTEGER,                 -- ts of the waker's wake event
  callsite_id INTEGER REFERENCES stack_profile_callsite(id),
  result INTEGER                    -- primitive's return value at block end
);

CREATE TABLE sync_object (
  id INTEGER PRIMARY KEY,
  address INTEGER NOT NULL,
  kind TEXT NOT NULL,               -- first reason seen on it: mutex, cond, ...
  name TEXT,                        -- user-given name, else global symbol, else NULL
  name_source TEXT                  -- user | symbol | thread (joins) | NULL
);

CREATE TABLE flow (
  id INTEGER PRIMARY KEY,
  ts_out INTEGER NOT NULL,          -- waker's wake event
  utid_out INTEGER NOT NULL,
  ts_in INTEGER NOT NULL,           -- wakee's block end
  utid_in INTEGER NOT NULL,
  thread_state_in INTEGER REFERENCES thread_state(id),
  kind TEXT
);

CREATE TABLE track (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,               -- thread | counter | process | gc
  utid INTEGER,
  unit TEXT
);

CREATE TABLE counter (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  track_id INTEGER NOT NULL REFERENCES track(id),
  value REAL NOT NULL
);

CREATE TABLE slice (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  dur INTEGER NOT NULL,             -- -1 when unfinished
  track_id INTEGER NOT NULL REFERENCES track(id),
  category TEXT,
  name TEXT NOT NULL,
  depth INTEGER NOT NULL DEFAULT 0,
  parent_id INTEGER REFERENCES slice(id),
  arg_set_id INTEGER
);

-- Network waits (one row per cprof:net_end): what the blocked socket call
-- was, on which connection, how long and how many bytes.
CREATE TABLE net_io (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,              -- the call's start (its non-blocking try included)
  dur INTEGER NOT NULL,             -- ns in the call; the wait is the net thread_state around its end
  utid INTEGER NOT NULL REFERENCES thread(utid),
  fd INTEGER NOT NULL,
  op TEXT NOT NULL,                 -- read, recv, write, send, accept, connect, poll, epoll_wait...
  bytes INTEGER,                    -- bytes moved (read/write family, success), else NULL
  result INTEGER,                   -- the call's return value (new fd for accept, -1 on error)
  err INTEGER,                      -- errno when it failed, else NULL
  local TEXT,                       -- the socket's local address (cprof:fd_info)
  peer TEXT                         -- its peer address, NULL when unknown
);

-- Sockets closed while tracing (one row per cprof:fd_close): what the
-- process read and wrote on each, blocking or not, while the capture ran.
-- The per-connection bytes of event loops, whose ready non-blocking calls
-- are not recorded one by one.  Sockets still open at the end have no row.
CREATE TABLE net_connection (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,              -- when it was closed
  utid INTEGER NOT NULL REFERENCES thread(utid),   -- the thread that closed it
  fd INTEGER NOT NULL,
  local TEXT,                       -- local address (cprof:fd_info), NULL when unknown
  peer TEXT,                        -- peer address, NULL when unknown
  bytes_in INTEGER NOT NULL,        -- read/recv* on it since the capture (or the socket) began
  bytes_out INTEGER NOT NULL,       -- write/send* likewise
  ops INTEGER NOT NULL              -- those calls
);

-- User tasks (cprof_task_begin/end): logical operations that may span
-- threads.  Their regions are slices with category 'region' whose args row
-- key 'task' holds the task id.
CREATE TABLE task (
  id INTEGER NOT NULL,              -- the id cprof_task_begin returned
  type TEXT NOT NULL,
  parent_id INTEGER,                -- parent task id, NULL for none
  ts INTEGER NOT NULL,              -- begin (the trace start if begun before)
  dur INTEGER NOT NULL,             -- -1 when it did not end within the trace
  begin_utid INTEGER REFERENCES thread(utid),
  end_utid INTEGER REFERENCES thread(utid),
  callsite_id INTEGER REFERENCES stack_profile_callsite(id)
);

CREATE TABLE args (
  arg_set_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  int_value INTEGER,
  string_value TEXT,
  real_value REAL
);

CREATE TABLE stack_profile_mapping (
  id INTEGER PRIMARY KEY,
  build_id TEXT,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  load_bias INTEGER NOT NULL,
  name TEXT NOT NULL
);

CREATE TABLE stack_profile_frame (
  id INTEGER PRIMARY KEY,
  name TEXT,                        -- function, NULL when unknown
  mapping INTEGER REFERENCES stack_profile_mapping(id),
  rel_pc INTEGER NOT NULL,          -- address minus the mapping's load bias
  address INTEGER NOT NULL,
  offset INTEGER,                   -- address minus the function's start
  file TEXT,
  line INTEGER
);

-- Callsite tree: a stack is its leaf callsite; depth 0 is the outermost frame.
CREATE TABLE stack_profile_callsite (
  id INTEGER PRIMARY KEY,
  depth INTEGER NOT NULL,
  parent_id INTEGER REFERENCES stack_profile_callsite(id),
  frame_id INTEGER NOT NULL REFERENCES stack_profile_frame(id)
);

-- Sampled allocations (cprof:alloc_sample), like Go's heap profile.
CREATE TABLE alloc_sample (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  utid INTEGER REFERENCES thread(utid),
  address INTEGER NOT NULL,
  size INTEGER NOT NULL,            -- requested bytes
  usable INTEGER NOT NULL,          -- malloc_usable_size
  weight REAL NOT NULL,             -- bytes this sample stands for
  callsite_id INTEGER REFERENCES stack_profile_callsite(id),
  free_ts INTEGER                   -- its free_sample, NULL if live at trace end
);

-- ---- views for the analyses ------------------------------------------------

-- Per-thread time breakdown, like go tool trace's goroutine analysis.
-- Threads still waiting when the trace ended, longest first: the "goroutine
-- leak" view.  since_start_ns is how long after the thread's start (or the
-- trace start, for threads alive then) the final wait began: near 0 for a
-- thread blocked since its creation.
CREATE VIEW thread_blocked_at_end AS
SELECT t.utid, t.tid, t.name, s.state, s.reason, o.name AS object, s.ts AS since, s.dur,
  s.ts - COALESCE(t.start_ts, s.ts) AS since_start_ns, s.callsite_id
FROM thread_state s JOIN thread t ON t.utid = s.utid
LEFT JOIN sync_object o ON o.id = s.object_id
WHERE s.state NOT IN ('running', 'unknown') AND t.end_ts IS NULL
  AND s.ts + s.dur >= (SELECT int_value FROM metadata WHERE name = 'trace_end')
ORDER BY s.dur DESC;

CREATE VIEW thread_breakdown AS
SELECT t.utid, t.tid, t.name,
  COALESCE(SUM(s.dur), 0) AS total_dur,
  COALESCE(SUM(CASE WHEN s.state = 'running' THEN s.dur END), 0) AS running_dur,
  COALESCE(SUM(CASE WHEN s.state = 'blocked' THEN s.dur END), 0) AS sync_dur,
  COALESCE(SUM(CASE WHEN s.state = 'net' THEN s.dur END), 0) AS net_dur,
  COALESCE(SUM(CASE WHEN s.state = 'syscall' THEN s.dur END), 0) AS syscall_dur,
  COALESCE(SUM(CASE WHEN s.state = 'sleep' THEN s.dur END), 0) AS sleep_dur,
  COALESCE(SUM(CASE WHEN s.state = 'unknown' THEN s.dur END), 0) AS unknown_dur,
  COALESCE(SUM(CASE WHEN s.reason = 'mutex' THEN s.dur END), 0) AS mutex_dur,
  COALESCE(SUM(CASE WHEN s.reason IN ('rwlock_read', 'rwlock_write') THEN s.dur END), 0) AS rwlock_dur,
  COALESCE(SUM(CASE WHEN s.reason = 'cond' THEN s.dur END), 0) AS cond_dur,
  COALESCE(SUM(CASE WHEN s.reason = 'sem' THEN s.dur END), 0) AS sem_dur,
  COALESCE(SUM(CASE WHEN s.reason = 'join' THEN s.dur END), 0) AS join_dur,
  COALESCE(SUM(CASE WHEN s.reason IN ('chan_send', 'chan_recv', 'select') THEN s.dur END), 0) AS chan_dur,
  COALESCE(SUM(CASE WHEN s.state = 'blocked' AND s.reason NOT IN ('mutex', 'rwlock_read',
    'rwlock_write', 'cond', 'sem', 'join', 'chan_send', 'chan_recv', 'select') THEN s.dur END), 0) AS other_sync_dur,
  COUNT(CASE WHEN s.state NOT IN ('running', 'unknown') THEN 1 END) AS block_count
FROM thread t LEFT JOIN thread_state s ON s.utid = t.utid
GROUP BY t.utid;

-- Time per (thread, state, reason).
CREATE VIEW thread_state_summary AS
SELECT utid, state, reason, COUNT(*) AS count, SUM(dur) AS total_dur, MAX(dur) AS max_dur
FROM thread_state
GROUP BY utid, state, reason;

-- Contention by synchronization object.  Aggregated in one pass over
-- thread_state, then joined: no index on object_id is needed (with the join
-- first, SQLite scans thread_state once per object unless there is one).
CREATE VIEW blocking_by_object AS
SELECT o.id AS object_id, o.address, o.kind, o.name,
  a.count, a.total_dur, a.max_dur, a.avg_dur, a.threads, a.woken
FROM (SELECT object_id, COUNT(*) AS count, SUM(dur) AS total_dur, MAX(dur) AS max_dur,
    CAST(AVG(dur) AS INTEGER) AS avg_dur, COUNT(DISTINCT utid) AS threads,
    COUNT(waker_utid) AS woken
  FROM thread_state WHERE object_id IS NOT NULL GROUP BY object_id) a
JOIN sync_object o ON o.id = a.object_id;

-- Blocking by stack (the leaf callsite) and reason.
CREATE VIEW blocking_by_callsite AS
SELECT s.callsite_id, s.state, s.reason, f.name AS leaf_function,
  COUNT(*) AS count, SUM(s.dur) AS total_dur, MAX(s.dur) AS max_dur
FROM thread_state s
LEFT JOIN stack_profile_callsite c ON c.id = s.callsite_id
LEFT JOIN stack_profile_frame f ON f.id = c.frame_id
WHERE s.state NOT IN ('running', 'unknown')
GROUP BY s.callsite_id, s.state, s.reason;

-- Sampled heap profile by allocating stack: allocated and still-live bytes.
CREATE VIEW heap_profile_by_callsite AS
SELECT callsite_id, COUNT(*) AS samples, SUM(weight) AS alloc_bytes,
  SUM(CASE WHEN free_ts IS NULL THEN weight ELSE 0 END) AS inuse_bytes
FROM alloc_sample
GROUP BY callsite_id;

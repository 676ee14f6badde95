-- cprof trace database: indexes, created by the converter.  Most are built
-- after the load (bulk inserts into unindexed tables are faster); the
-- converter's writer.c names the few it keeps up to date during the load.
CREATE INDEX thread_state_utid_ts ON thread_state (utid, ts);
CREATE INDEX flow_in ON flow (utid_in, ts_in);
CREATE INDEX flow_out ON flow (utid_out, ts_out);
CREATE INDEX thread_name_utid_ts ON thread_name (utid, ts);
CREATE INDEX sync_object_address ON sync_object (address);
CREATE INDEX counter_track_ts ON counter (track_id, ts);
CREATE INDEX slice_track_ts ON slice (track_id, ts);
CREATE INDEX args_key_int ON args (key, int_value);
CREATE INDEX net_io_utid_ts ON net_io (utid, ts);
CREATE INDEX callsite_parent ON stack_profile_callsite (parent_id);
CREATE INDEX alloc_sample_ts ON alloc_sample (ts);

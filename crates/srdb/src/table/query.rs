//! Running queries: the builder, and the execution of a `srdb_query::Plan`.
//!
//! A query reads one snapshot of the table, so its rows are consistent with
//! each other whatever is written meanwhile. Candidates come from the plan's
//! access path (a `_seq` range of the rows keyspace, ranges of an index
//! keyspace, or the union of several); each candidate is filtered by the
//! whole filter, compiled once per query (`srdb_query::CompiledFilter`) and
//! run on the row's encoded bytes, which a forward scan borrows from the
//! engine: only the fields the filter reads are read, in place, and nothing
//! is allocated for a row that does not match. Rows are then ordered if the
//! access did not deliver the order, skipped, limited and projected
//! (decoding only the selected fields).
//!
//! Rows found by `_seq` (through an index or a union) are fetched in chunks
//! of up to [`FETCH_CHUNK_ROWS`] candidates by one engine read
//! (`Snapshot::get_many`), which looks the rows keyspace up once per chunk
//! instead of once per row; a chunk never holds more candidates than the
//! query's offset and limit still want. When such candidates must be put in
//! `_seq` order (a union, a range over several values of an index), their
//! `_seq`s are sorted before any row is read, so the rows then stream in
//! order, ascending keys for the engine, and only until the limit is served.
//!
//! Memory. Without a sort, rows stream one at a time, or a chunk at a time
//! when fetched by `_seq` (the chunk's row bytes). A sort with a limit
//! keeps a bounded heap of `offset + limit` rows. A sort without a limit (an
//! order on a field with no ready index) holds every matching row's bytes. A
//! sort by `_seq` of candidates found by `_seq` holds their `_seq`s, 8 bytes
//! each.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use srdb_engine::{Iter, Keyspace, Snapshot};
use srdb_index::KeyRange;
use srdb_query::{Access, CompiledFilter, Direction, Expr, Plan, Query};
use srdb_schema::{decode_field, decode_time, Row, Schema, Value};

use crate::table::read::{columns, decode_columns, decode_stored, seq_key, seq_of, Column};
use crate::table::time_range;
use crate::table::write::index_entry_seq;
use crate::table::{DbError, DbResult, Table};

/// A query on one table, built step by step and run by one of its terminal
/// methods ([`TableQuery::rows`], [`TableQuery::all`], [`TableQuery::count`],
/// [`TableQuery::first`], [`TableQuery::last`], [`TableQuery::paginate`]).
#[derive(Clone, Debug)]
#[must_use = "a query does nothing until one of its terminal methods runs it"]
pub struct TableQuery {
    table: Table,
    query: Query,
}

/// One page of a query's rows, with the number of rows of all pages.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// The rows of the page.
    pub rows: Vec<Row>,
    /// Rows matching the query's filter, over all pages.
    pub total: u64,
}

impl Table {
    /// Starts a query for every row, in `_seq` order.
    pub fn query(&self) -> TableQuery {
        TableQuery { table: self.clone(), query: Query::new() }
    }

    /// A query from its text form, for example
    /// `age >= 18 AND city IN ('Beijing', 'Shanghai') ORDER BY age DESC LIMIT 10`
    /// (grammar in `docs/guide/query.md`). Parse errors give the position.
    pub fn query_text(&self, text: &str) -> DbResult<TableQuery> {
        let query = srdb_query::parse_query(text).map_err(|e| DbError::Query {
            table: self.shared.name.clone(),
            source: Box::new(srdb_query::QueryError::Parse(e)),
        })?;
        Ok(TableQuery { table: self.clone(), query })
    }

    /// A query built elsewhere (a [`Query`] of srdb-query).
    pub fn query_from(&self, query: Query) -> TableQuery {
        TableQuery { table: self.clone(), query }
    }
}

impl TableQuery {
    /// Keeps the rows matching `expr`, `AND`ed with any filter already set.
    pub fn filter(mut self, expr: Expr) -> Self {
        self.query = self.query.filter(expr);
        self
    }

    /// Returns only these fields (`_seq` and `_time` allowed), in this order,
    /// decoding nothing else.
    pub fn select<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.query = self.query.select(fields);
        self
    }

    /// Orders by `field` (any field, `_seq` or `_time`); ties by `_seq` in
    /// the same direction. Default: `_seq` ascending.
    pub fn order_by(mut self, field: impl Into<String>, direction: Direction) -> Self {
        self.query = self.query.order_by(field, direction);
        self
    }

    /// Skips the first `offset` rows.
    pub fn offset(mut self, offset: u64) -> Self {
        self.query = self.query.offset(offset);
        self
    }

    /// Returns at most `limit` rows.
    pub fn limit(mut self, limit: u64) -> Self {
        self.query = self.query.limit(limit);
        self
    }

    /// The query as built.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The plan the table would run, in one line (see
    /// `srdb_query::Plan::explain`).
    pub fn explain(&self) -> DbResult<String> {
        crate::table::time_range::explain(&self.table, &self.table.plan(&self.query)?)
    }

    /// The matching rows, streamed: `_seq`, `_time` and every field, or the
    /// selected fields.
    pub fn rows(&self) -> DbResult<QueryRows> {
        self.table.execute(&self.query)
    }

    /// The matching rows, collected.
    pub fn all(&self) -> DbResult<Vec<Row>> {
        self.rows()?.collect()
    }

    /// The matching rows deserialised into `T` (a struct may have `_seq` and
    /// `_time` members).
    pub fn structs<T: DeserializeOwned>(&self) -> DbResult<Vec<T>> {
        self.rows()?.map(|row| self.table.row_into(row?)).collect()
    }

    /// The number of rows the query returns (after offset and limit). Decodes
    /// only the fields the filter reads.
    pub fn count(&self) -> DbResult<u64> {
        let mut counting = self.query.clone();
        counting.select = Some(vec!["_seq".to_owned()]);
        if counting.filter.is_none() && counting.offset == 0 && counting.limit.is_none() {
            return self.table.row_count();
        }
        // The order does not change the count; dropping it avoids a sort.
        counting.order_by = None;
        let mut n = 0u64;
        for row in self.table.execute(&counting)? {
            row?;
            n += 1;
        }
        Ok(n)
    }

    /// The first row the query returns.
    pub fn first(&self) -> DbResult<Option<Row>> {
        let mut q = self.query.clone();
        q.limit = Some(q.limit.map_or(1, |l| l.min(1)));
        self.table.execute(&q)?.next().transpose()
    }

    /// The last row the query returns. Without offset and limit this reads
    /// the order backwards and stops at the first row.
    pub fn last(&self) -> DbResult<Option<Row>> {
        if self.query.offset == 0 && self.query.limit.is_none() {
            let mut q = self.query.clone();
            let (field, direction) =
                q.order_by.take().unwrap_or_else(|| ("_seq".to_owned(), Direction::Asc));
            let flipped = match direction {
                Direction::Asc => Direction::Desc,
                Direction::Desc => Direction::Asc,
            };
            q.order_by = Some((field, flipped));
            q.limit = Some(1);
            return self.table.execute(&q)?.next().transpose();
        }
        let mut last = None;
        for row in self.rows()? {
            last = Some(row?);
        }
        Ok(last)
    }

    /// Page `page` (from 1; 0 reads as 1) of `per_page` rows of the query's
    /// filter and order, with the total number of matching rows. The query's
    /// own offset and limit are replaced by the page's.
    pub fn paginate(&self, page: u64, per_page: u64) -> DbResult<Page> {
        let mut all = self.query.clone();
        all.offset = 0;
        all.limit = None;
        let total = self.table.query_from(all.clone()).count()?;
        all.offset = page.saturating_sub(1).saturating_mul(per_page);
        all.limit = Some(per_page);
        let rows = self.table.execute(&all)?.collect::<DbResult<Vec<_>>>()?;
        Ok(Page { rows, total })
    }
}

impl Table {
    /// Binds `query` to the current schema and plans it over the ready
    /// indexes.
    fn plan(&self, query: &Query) -> DbResult<Plan> {
        let state = self.shared.read_state()?;
        self.plan_with(&state.schema, &state.indexes, query)
    }

    /// The plan of `query` over the indexes that are ready.
    fn plan_with(
        &self,
        schema: &Schema,
        indexes: &[crate::table::IndexHandle],
        query: &Query,
    ) -> DbResult<Plan> {
        let bound = query
            .bind(schema)
            .map_err(|e| DbError::Query { table: self.shared.name.clone(), source: Box::new(e) })?;
        let ready: Vec<&str> =
            indexes.iter().filter(|i| !i.building).map(|i| i.field.as_str()).collect();
        Ok(bound.into_plan(schema, &ready))
    }

    fn execute(&self, query: &Query) -> DbResult<QueryRows> {
        let state = self.shared.read_state()?;
        let mut plan = self.plan_with(&state.schema, &state.indexes, query)?;
        // Compiled once: field names resolved to positions, so each row is
        // filtered on its encoded bytes without decoding or allocating. A
        // `_seq` scan yields only rows in its `_seq` range and time range
        // (`time_range::rows_in`), so the conditions that say no more than
        // those bounds are not tested again on each row.
        let filter = match plan.residual_within_bounds() {
            Some(residual) => {
                Some(CompiledFilter::new(&residual, state.schema.clone()).map_err(|e| {
                    DbError::Query { table: self.shared.name.clone(), source: Box::new(e) }
                })?)
            }
            None => None,
        };
        let snapshot = self.shared.db.engine.snapshot();
        let index_of = |field: &str| {
            state.indexes.iter().find(|i| i.field == field).map(|i| i.ks.clone()).ok_or_else(|| {
                DbError::corrupt(
                    &self.shared.name,
                    format!("the plan uses an index on `{field}`, which does not exist"),
                )
            })
        };
        let access = std::mem::replace(&mut plan.access, Access::Empty);
        let source = Source::new(
            &self.shared.name,
            &plan.time_range,
            access,
            &snapshot,
            &state.rows,
            &index_of,
        )?;
        // A scan of the rows keyspace tests the filter on each row as it
        // reads it, so rows that fail are never handed out (rows handed out
        // are filtered again below). A filter of `_seq` and `_time` alone is
        // mostly settled by the scan's bounds, and is left to the check below.
        let source = match (source, &filter) {
            (Source::Rows { iter, reverse }, Some(filter)) if filter.reads_fields() => {
                Source::Rows { iter: iter.prefilter(keep_matching(filter.clone())), reverse }
            }
            (source, _) => source,
        };
        let projection = match &plan.projection {
            Some(names) => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                Some(columns(&self.shared.name, &state.schema, &names)?)
            }
            None => None,
        };
        let ctx = Ctx {
            table: self.clone(),
            schema: state.schema.clone(),
            rows: state.rows.clone(),
            snapshot,
            filter,
            projection,
        };
        drop(state);
        let mut out = QueryRows {
            ctx,
            source,
            sorted: None,
            skip: plan.offset,
            remaining: plan.limit.unwrap_or(u64::MAX),
            fetched: Fetched::default(),
        };
        if plan.needs_sort {
            out.sort(&plan)?;
        }
        Ok(out)
    }
}

/// The test a scan of the rows keyspace runs on each row before handing it
/// out: whether `filter` matches, `None` when it cannot tell (a key that is
/// not a `_seq`, a damaged row: such rows reach the filter, which reports
/// them).
fn keep_matching(
    filter: CompiledFilter,
) -> impl FnMut(&[u8], &[u8]) -> Option<bool> + Send + 'static {
    move |key, bytes| {
        let seq = u64::from_be_bytes(key.try_into().ok()?);
        filter.matches(seq, bytes).ok()
    }
}

/// What every step of a running query needs.
struct Ctx {
    table: Table,
    schema: Arc<Schema>,
    rows: Keyspace,
    snapshot: Snapshot,
    /// The plan's residual filter.
    filter: Option<CompiledFilter>,
    projection: Option<Vec<Column>>,
}

impl Ctx {
    fn table(&self) -> &str {
        &self.table.shared.name
    }

    fn matches(&self, seq: u64, bytes: &[u8]) -> DbResult<bool> {
        match &self.filter {
            None => Ok(true),
            // Fields are read when the filter reads them, so a condition that
            // settles an AND or an OR spares the reading of the others.
            Some(filter) => filter.matches(seq, bytes).map_err(|source| DbError::CorruptRow {
                table: self.table().to_owned(),
                seq,
                source,
            }),
        }
    }

    fn output(&self, seq: u64, bytes: &[u8]) -> DbResult<Row> {
        match &self.projection {
            Some(columns) => decode_columns(self.table(), &self.schema, columns, seq, bytes),
            None => decode_stored(self.table(), &self.schema, seq, bytes),
        }
    }

    fn value(&self, field: &str, seq: u64, bytes: &[u8]) -> DbResult<Value> {
        let corrupt = |source| DbError::CorruptRow { table: self.table().to_owned(), seq, source };
        match field {
            "_seq" => Ok(Value::Uint(seq)),
            "_time" => Ok(Value::Time(decode_time(bytes).map_err(corrupt)?)),
            name => match self.schema.index_of(name) {
                Some(i) => decode_field(bytes, &self.schema, i).map_err(corrupt),
                // Bound queries name only schema fields.
                None => Ok(Value::Null),
            },
        }
    }
}

/// Where candidate rows come from.
enum Source {
    Empty,
    /// Rows keyspace entries in `_seq` order.
    Rows {
        iter: Iter,
        reverse: bool,
    },
    /// Index entries, range after range; each entry's row is read by `_seq`.
    Index {
        ks: Keyspace,
        ranges: VecDeque<KeyRange>,
        iter: Option<Iter>,
        reverse: bool,
    },
    /// `_seq`s collected from one or more accesses, each once, read in the
    /// order they are in.
    Seqs(std::vec::IntoIter<u64>),
}

impl Source {
    fn new(
        table: &str,
        time: &Option<(Bound<i64>, Bound<i64>)>,
        access: Access,
        snapshot: &Snapshot,
        rows: &Keyspace,
        index_of: &dyn Fn(&str) -> DbResult<Keyspace>,
    ) -> DbResult<Source> {
        Ok(match access {
            Access::Empty => Source::Empty,
            Access::SeqRange { start, end, reverse } => Source::Rows {
                iter: time_range::rows_in(snapshot, rows, start, end, time),
                reverse,
            },
            Access::IndexRanges { field, ranges, reverse, .. } => {
                let mut ranges = VecDeque::from(ranges);
                if reverse {
                    ranges.make_contiguous().reverse();
                }
                Source::Index { ks: index_of(&field)?, ranges, iter: None, reverse }
            }
            Access::IndexUnion(members) => {
                let mut seqs = Vec::new();
                for member in members {
                    Source::new(table, time, member, snapshot, rows, index_of)?
                        .drain_seqs(table, snapshot, &mut seqs)?;
                }
                Source::sorted_seqs(seqs, false)
            }
        })
    }

    /// Adds the `_seq`s of every candidate left to `seqs`.
    fn drain_seqs(
        &mut self,
        table: &str,
        snapshot: &Snapshot,
        seqs: &mut Vec<u64>,
    ) -> DbResult<()> {
        while let Some(seq) = self.next_seq(table, snapshot)? {
            seqs.push(seq);
        }
        Ok(())
    }

    /// The rows of `seqs`, each once, in ascending `_seq` order (descending
    /// when `desc`).
    fn sorted_seqs(mut seqs: Vec<u64>, desc: bool) -> Source {
        seqs.sort_unstable();
        seqs.dedup();
        if desc {
            seqs.reverse();
        }
        Source::Seqs(seqs.into_iter())
    }

    /// The next candidate's `_seq` without reading its row.
    fn next_seq(&mut self, table: &str, snapshot: &Snapshot) -> DbResult<Option<u64>> {
        match self {
            Source::Empty => Ok(None),
            Source::Rows { iter, reverse: false } => match iter.next_ref()? {
                Some((key, _)) => Ok(Some(seq_of(table, key)?)),
                None => Ok(None),
            },
            Source::Rows { iter, reverse: true } => match iter.next_back() {
                Some(entry) => Ok(Some(seq_of(table, &entry?.0)?)),
                None => Ok(None),
            },
            Source::Index { ks, ranges, iter, reverse } => loop {
                if iter.is_none() {
                    let Some(range) = ranges.pop_front() else { return Ok(None) };
                    if srdb_index::range_is_empty(&range) {
                        continue;
                    }
                    *iter = Some(snapshot.range(ks, range));
                }
                let it = iter.as_mut().expect("set above");
                let seq = if *reverse {
                    match it.next_back() {
                        Some(entry) => Some(index_entry_seq(table, &entry?.0)?),
                        None => None,
                    }
                } else {
                    match it.next_ref()? {
                        Some((key, _)) => Some(index_entry_seq(table, key)?),
                        None => None,
                    }
                };
                match seq {
                    Some(seq) => return Ok(Some(seq)),
                    None => *iter = None,
                }
            },
            Source::Seqs(seqs) => Ok(seqs.next()),
        }
    }

    /// The next candidate: its `_seq` and row bytes, borrowed from the
    /// iterator (the common forward scan copies nothing) or from `fetched`.
    /// Rows found by `_seq` (index entries, unions) are fetched in chunks of
    /// up to `wanted` candidates, which bounds what a query with a limit
    /// reads ahead.
    fn next_row<'a>(
        &'a mut self,
        ctx: &Ctx,
        fetched: &'a mut Fetched,
        wanted: u64,
    ) -> DbResult<Option<(u64, &'a [u8])>> {
        match *self {
            Source::Rows { ref mut iter, reverse: false } => {
                return match iter.next_ref()? {
                    Some((key, value)) => Ok(Some((seq_of(ctx.table(), key)?, value))),
                    None => Ok(None),
                };
            }
            Source::Rows { ref mut iter, reverse: true } => {
                return match iter.next_back() {
                    Some(entry) => {
                        let (key, value) = entry?;
                        fetched.bytes = value;
                        Ok(Some((seq_of(ctx.table(), &key)?, &fetched.bytes[..])))
                    }
                    None => Ok(None),
                };
            }
            _ => {}
        }
        if fetched.next == fetched.rows.len() && !fetched.refill(self, ctx, wanted)? {
            return Ok(None);
        }
        let (seq, start, end) = fetched.rows[fetched.next];
        fetched.next += 1;
        Ok(Some((seq, &fetched.bytes[start..end])))
    }
}

/// Most candidates whose rows are fetched together: enough that the
/// engine's per-read costs (its memtables and files looked up, its counters
/// updated) are paid a few times per hundred rows, few enough that the
/// chunk's rows stay in the CPU's caches while they are filtered and
/// decoded.
const FETCH_CHUNK_ROWS: u64 = 64;

/// The rows of one chunk of candidates found by `_seq`, fetched in one
/// engine read ([`Snapshot::get_many`]) and copied one after another into
/// `bytes`, a buffer reused from chunk to chunk; or the last row a reverse
/// scan yielded.
#[derive(Default)]
struct Fetched {
    /// The chunk's `_seq`s, in the order the source gave them.
    seqs: Vec<u64>,
    /// Each row's `_seq` and where its bytes lie in `bytes`.
    rows: Vec<(u64, usize, usize)>,
    /// The next row of `rows` to yield.
    next: usize,
    bytes: Vec<u8>,
}

impl Fetched {
    /// Reads the next chunk of up to `wanted` candidates of `source` and their
    /// rows; false when the source has none left.
    fn refill(&mut self, source: &mut Source, ctx: &Ctx, wanted: u64) -> DbResult<bool> {
        let Fetched { seqs, rows, next, bytes } = self;
        seqs.clear();
        rows.clear();
        bytes.clear();
        *next = 0;
        let chunk = wanted.clamp(1, FETCH_CHUNK_ROWS) as usize;
        seqs.reserve(chunk);
        while seqs.len() < chunk {
            match source.next_seq(ctx.table(), &ctx.snapshot)? {
                Some(seq) => seqs.push(seq),
                None => break,
            }
        }
        if seqs.is_empty() {
            return Ok(false);
        }
        rows.reserve(seqs.len());
        let keys = seqs.iter().map(|&seq| seq_key(seq));
        ctx.snapshot.get_many(&ctx.rows, keys, |key, value| -> DbResult<()> {
            let seq = u64::from_be_bytes(*key);
            // An index entry is written with its row in one batch and read
            // in the same snapshot, so a missing row is damage.
            let value = value.ok_or_else(|| {
                DbError::corrupt(
                    ctx.table(),
                    format!("an index entry points at _seq {seq}, which has no row"),
                )
            })?;
            if rows.is_empty() {
                // Room for the chunk if its rows are about as long as the
                // first, so that copying them rarely grows the buffer.
                bytes.reserve(value.len().saturating_mul(seqs.len()));
            }
            let start = bytes.len();
            bytes.extend_from_slice(value);
            rows.push((seq, start, bytes.len()));
            Ok(())
        })?;
        Ok(true)
    }
}

/// A row waiting in a sort: its order value, `_seq` and bytes.
struct Sorted {
    key: Value,
    seq: u64,
    bytes: Vec<u8>,
    desc: bool,
}

impl Sorted {
    fn order(&self, other: &Sorted) -> Ordering {
        let o = self.key.cmp(&other.key).then(self.seq.cmp(&other.seq));
        if self.desc {
            o.reverse()
        } else {
            o
        }
    }
}

impl PartialEq for Sorted {
    fn eq(&self, other: &Self) -> bool {
        self.order(other) == Ordering::Equal
    }
}
impl Eq for Sorted {}
impl PartialOrd for Sorted {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Sorted {
    /// The output order: a max-heap of `Sorted` keeps the row that would
    /// come last on top, which is the one a bounded top-k drops.
    fn cmp(&self, other: &Self) -> Ordering {
        self.order(other)
    }
}

/// The rows of a running query, in order. Each item is a row or the error
/// that ended the query.
pub struct QueryRows {
    ctx: Ctx,
    source: Source,
    sorted: Option<std::vec::IntoIter<Sorted>>,
    skip: u64,
    remaining: u64,
    fetched: Fetched,
}

impl QueryRows {
    /// Reads every candidate, keeps the matching ones in order (a bounded
    /// heap when there is a limit) and replaces the source by them.
    fn sort(&mut self, plan: &Plan) -> DbResult<()> {
        let (field, direction) =
            plan.order.clone().unwrap_or_else(|| ("_seq".to_owned(), Direction::Asc));
        let desc = direction == Direction::Desc;
        let keep = plan.limit.map(|l| l.saturating_add(plan.offset));
        let mut heap = BinaryHeap::new();
        let mut all = Vec::new();
        if keep == Some(0) {
            self.sorted = Some(Vec::new().into_iter());
            return Ok(());
        }
        if field == "_seq" && !matches!(self.source, Source::Rows { .. }) {
            // Candidates found by `_seq` are ordered by their `_seq`s alone:
            // their rows are then read in that order, only until the offset
            // and limit are served, and a candidate waits as its 8 bytes.
            let mut seqs = Vec::new();
            self.source.drain_seqs(self.ctx.table(), &self.ctx.snapshot, &mut seqs)?;
            self.source = Source::sorted_seqs(seqs, desc);
            return Ok(());
        }
        // A sort reads every candidate.
        while let Some((seq, bytes)) =
            self.source.next_row(&self.ctx, &mut self.fetched, u64::MAX)?
        {
            if !self.ctx.matches(seq, bytes)? {
                continue;
            }
            let key = self.ctx.value(&field, seq, bytes)?;
            let entry = Sorted { key, seq, bytes: bytes.to_vec(), desc };
            match keep {
                None => all.push(entry),
                Some(k) => {
                    if (heap.len() as u64) < k {
                        heap.push(entry);
                    } else if heap.peek().is_some_and(|top| entry < *top) {
                        heap.pop();
                        heap.push(entry);
                    }
                }
            }
        }
        let rows = match keep {
            None => {
                all.sort();
                all
            }
            Some(_) => heap.into_sorted_vec(),
        };
        self.sorted = Some(rows.into_iter());
        Ok(())
    }

    fn advance(&mut self) -> DbResult<Option<Row>> {
        let QueryRows { ctx, source, sorted, skip, remaining, fetched } = self;
        loop {
            if *remaining == 0 {
                return Ok(None);
            }
            let (seq, bytes): (u64, Cow<'_, [u8]>) = match sorted {
                Some(rows) => match rows.next() {
                    Some(s) => (s.seq, Cow::Owned(s.bytes)),
                    None => return Ok(None),
                },
                None => match source.next_row(ctx, fetched, skip.saturating_add(*remaining))? {
                    Some((seq, bytes)) if ctx.matches(seq, bytes)? => (seq, Cow::Borrowed(bytes)),
                    Some(_) => continue,
                    None => return Ok(None),
                },
            };
            if *skip > 0 {
                *skip -= 1;
                continue;
            }
            *remaining -= 1;
            return ctx.output(seq, &bytes).map(Some);
        }
    }
}

impl Iterator for QueryRows {
    type Item = DbResult<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.advance() {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => None,
            Err(e) => {
                self.remaining = 0;
                Some(Err(e))
            }
        }
    }
}

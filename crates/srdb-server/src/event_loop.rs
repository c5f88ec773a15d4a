//! An event loop: one thread serving its share of the connections with
//! nonblocking sockets.
//!
//! Each iteration waits for readiness, then serves every connection that
//! has input: it reads into the connection's buffer, parses every complete
//! request and runs it, collecting the replies. Blind writes of all those
//! connections go into one group commit (`writes`), committed before any of
//! their replies is sent; then the replies are written out, one write per
//! connection. A socket that does not take all of its replies gets write
//! interest until it has; past [`REPLY_FLUSH_BYTES`] unsent the
//! connection's requests wait for it.
//!
//! Commands that may take long run on the worker threads ([`Workers`]):
//! the connection is busy (its later requests stay unread, so its order is
//! kept) until the worker sends the reply back through the loop's waker.
//! Idle and reply timeouts are checked by a timer in the loop.
//!
//! A connection ends when the client leaves, is idle or stuck too long,
//! breaks the protocol, or the server stops; its pending replies are sent
//! first where the client takes them.

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};

use crate::cmd::{execute, lookup, plan, Client, Plan};
use crate::limits::{
    housekeeping_interval, MAX_UNAUTHENTICATED_ARGS, MAX_UNAUTHENTICATED_BULK_BYTES,
    REPLY_FLUSH_BYTES,
};
use crate::resp::{ParserLimits, Reply, RequestParser};
use crate::state::{ClientInfo, Counters, Shared};
use crate::writes::Writes;

/// Initial size of the read buffer; grows for large requests and shrinks
/// back after them.
const READ_BUFFER_BYTES: usize = 16 * 1024;

/// Free space kept for each read, so reads are never tiny.
const MIN_FREE_BYTES: usize = 4 * 1024;

/// Reads of one connection per iteration before the loop turns to the
/// others: a client flooding requests gets its turn, not the whole loop.
const READS_PER_TURN: usize = 4;

/// The token of the loop's waker.
pub(crate) const WAKE: Token = Token(usize::MAX);

/// What other threads send a loop.
pub(crate) enum Msg {
    /// A connection accepted for this loop.
    Accepted(TcpStream, Arc<ClientInfo>),
    /// A worker finished a connection's command.
    Done(Done),
}

/// A command run by a worker, coming back: its client and reply.
pub(crate) struct Done {
    token: Token,
    client: Client,
    out: Reply,
}

/// Sends messages to a loop and wakes it.
#[derive(Clone)]
pub(crate) struct LoopHandle {
    tx: Sender<Msg>,
    waker: Arc<Waker>,
}

impl LoopHandle {
    /// Sends `msg`; false if the loop has ended.
    pub(crate) fn send(&self, msg: Msg) -> bool {
        let sent = self.tx.send(msg).is_ok();
        // Waking fails only if the poll is gone, when the loop has ended.
        let _ = self.waker.wake();
        sent
    }

    /// Wakes the loop to look at the stop flag.
    pub(crate) fn wake(&self) {
        let _ = self.waker.wake();
    }
}

/// A command for a worker: the request's bytes (parsed again there, so
/// the connection's buffer stays the loop's) and the connection's client.
struct Job {
    token: Token,
    client: Client,
    request: Vec<u8>,
    resp3: bool,
    home: LoopHandle,
}

/// The worker threads that run slow commands.
pub(crate) struct Workers {
    tx: Sender<Job>,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    pub(crate) fn start(srv: &Arc<Shared>, n: usize) -> std::io::Result<Workers> {
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        let mut threads = Vec::with_capacity(n);
        for i in 0..n {
            let (srv, rx) = (srv.clone(), rx.clone());
            let run = move || {
                let mut writes = Writes::new(srv.kv.clone());
                for job in rx.iter() {
                    run_job(&srv, &mut writes, job);
                }
            };
            threads.push(std::thread::Builder::new().name(format!("srdb-worker-{i}")).spawn(run)?);
        }
        Ok(Workers { tx, threads })
    }

    /// Finishes the queued jobs and ends the threads.
    pub(crate) fn stop(self) {
        drop(self.tx);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

fn run_job(srv: &Arc<Shared>, writes: &mut Writes, job: Job) {
    let Job { token, mut client, request, resp3, home } = job;
    let mut out = Reply::new();
    out.set_resp3(resp3);
    let mut parser = RequestParser::new();
    // The loop parsed these bytes as one complete request under the same
    // limits (slow commands run only once authenticated).
    if let Ok(Some(_)) = parser.parse(&request, &parser_limits(srv, true)) {
        let args = parser.args(&request);
        execute(srv, &mut client, &mut out, writes, lookup(args.get(0)), args);
    }
    if client.has_uncommitted() {
        let result = writes.commit();
        client.committed(&mut out, &result);
    }
    home.send(Msg::Done(Done { token, client, out }));
}

/// Why serving a connection stopped for now.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// Nothing more to do until the client sends more.
    Drained,
    /// The next request waits for the group commit.
    Commit,
    /// A worker runs the connection's command.
    Busy,
    /// Used its reads of this iteration; more input may be waiting.
    Budget,
    /// Its unsent replies wait for the client to read.
    Paused,
    /// The connection ends once its replies are sent.
    End,
}

/// One connection of a loop.
struct Conn {
    stream: TcpStream,
    /// `None` while a worker runs its command.
    client: Option<Client>,
    id: u64,
    parser: RequestParser,
    buf: Vec<u8>,
    /// Unconsumed input is `buf[start..end]`.
    start: usize,
    end: usize,
    out: Reply,
    /// Bytes of `out` already written.
    sent: usize,
    /// The socket may have input the loop has not read.
    readable: bool,
    /// The peer closed its side: read until end of stream.
    hup: bool,
    /// No more input is read (end of stream, or the server stops).
    no_more_input: bool,
    /// The connection closes once its replies are sent.
    closing: bool,
    paused: bool,
    queued: bool,
    dirty: bool,
    committing: bool,
    write_interest: bool,
    last_active: Instant,
    /// While replies are unsent: since when the socket has taken none of
    /// them (the last write that took some, or the first that took none).
    stalled_since: Option<Instant>,
}

impl Conn {
    fn unsent(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Writes unsent replies until the socket takes no more; false if the
    /// connection is broken.
    fn flush(&mut self, srv: &Shared) -> bool {
        let mut progress = false;
        while self.sent < self.out.len() {
            match self.stream.write(&self.out.bytes()[self.sent..]) {
                Ok(0) => return false,
                Ok(n) => {
                    self.sent += n;
                    progress = true;
                    Counters::add(&srv.counters.net_output_bytes, n as u64);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
            self.stalled_since = None;
        } else if progress || self.stalled_since.is_none() {
            self.stalled_since = Some(Instant::now());
        }
        true
    }

    /// Reads once into the buffer; false at end of stream or on an error
    /// (the connection ends), or if the request in progress is too large.
    fn read(&mut self, srv: &Shared) -> Result<(), Stop> {
        // Make room: move the unconsumed tail to the front, grow for a
        // request announced larger than the buffer, shrink after one.
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        let need = if self.parser.in_request() { self.parser.need() } else { self.end + 1 };
        if need > srv.config.max_request_bytes {
            self.too_large(srv);
            return Err(Stop::End);
        }
        let wanted = need.max(self.end + MIN_FREE_BYTES).max(READ_BUFFER_BYTES);
        if self.buf.len() < wanted {
            self.buf.resize(wanted, 0);
        } else if self.buf.len() > 4 * READ_BUFFER_BYTES && wanted <= READ_BUFFER_BYTES {
            self.buf.truncate(READ_BUFFER_BYTES);
            self.buf.shrink_to_fit();
        }
        let free = self.buf.len() - self.end;
        match self.stream.read(&mut self.buf[self.end..]) {
            Ok(0) => {
                self.no_more_input = true;
                Err(Stop::End)
            }
            Ok(n) => {
                self.end += n;
                self.last_active = Instant::now();
                Counters::add(&srv.counters.net_input_bytes, n as u64);
                // A short read of a stream socket took everything there
                // was; new input makes the socket ready again.
                if n < free && !self.hup {
                    self.readable = false;
                }
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                self.readable = false;
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
            Err(_) => {
                self.no_more_input = true;
                Err(Stop::End)
            }
        }
    }

    /// Refuses a request over `max_request_bytes`: the rest of it would
    /// have to be read to find the next one, so the connection ends.
    fn too_large(&mut self, srv: &Shared) {
        self.out.error(&format!(
            "ERR Protocol error: request of more than {} bytes (client-query-buffer-limit)",
            srv.config.max_request_bytes
        ));
        self.no_more_input = true;
    }
}

fn parser_limits(srv: &Shared, authenticated: bool) -> ParserLimits {
    if authenticated {
        ParserLimits { max_args: srv.config.max_args, max_bulk_bytes: srv.config.max_bulk_bytes }
    } else {
        ParserLimits {
            max_args: MAX_UNAUTHENTICATED_ARGS,
            max_bulk_bytes: MAX_UNAUTHENTICATED_BULK_BYTES,
        }
    }
}

/// An event loop and the connections it owns.
pub(crate) struct EventLoop {
    srv: Arc<Shared>,
    poll: Poll,
    inbox: Receiver<Msg>,
    home: LoopHandle,
    jobs: Sender<Job>,
    stop: Arc<AtomicBool>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    live: usize,
    writes: Writes,
    /// Connections to serve in this iteration.
    run: Vec<usize>,
    /// Connections served to their read budget: served again next time.
    again: Vec<usize>,
    /// Connections whose next request waits for the group commit.
    waiting: Vec<usize>,
    /// Connections with writes in the group commit.
    committers: Vec<usize>,
    /// Connections with replies to send.
    dirty: Vec<usize>,
}

impl EventLoop {
    /// A loop for `srv`, and the handle that feeds it.
    pub(crate) fn new(
        srv: Arc<Shared>,
        workers: &Workers,
        stop: Arc<AtomicBool>,
    ) -> std::io::Result<(EventLoop, LoopHandle)> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
        let (tx, inbox) = crossbeam_channel::unbounded();
        let home = LoopHandle { tx, waker };
        let writes = Writes::new(srv.kv.clone());
        let lp = EventLoop {
            srv,
            poll,
            inbox,
            home: home.clone(),
            jobs: workers.tx.clone(),
            stop,
            conns: Vec::new(),
            free: Vec::new(),
            live: 0,
            writes,
            run: Vec::new(),
            again: Vec::new(),
            waiting: Vec::new(),
            committers: Vec::new(),
            dirty: Vec::new(),
        };
        Ok((lp, home))
    }

    /// Serves until the server stops and every connection has ended.
    pub(crate) fn run(mut self) {
        let mut events = Events::with_capacity(1024);
        let tick =
            housekeeping_interval(self.srv.config.idle_timeout, self.srv.config.reply_timeout);
        let mut next_tick = Instant::now() + tick;
        let mut stopping = false;
        loop {
            let timeout = if self.again.is_empty() {
                next_tick.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() != ErrorKind::Interrupted {
                    eprintln!("srdb: event loop poll failed: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                }
                continue;
            }
            for i in std::mem::take(&mut self.again) {
                self.queue(i);
            }
            let mut woken = false;
            for ev in events.iter() {
                if ev.token() == WAKE {
                    woken = true;
                    continue;
                }
                let i = ev.token().0;
                let Some(conn) = self.conns.get_mut(i).and_then(Option::as_mut) else {
                    continue;
                };
                let input = ev.is_readable() || ev.is_read_closed() || ev.is_error();
                if input {
                    conn.readable = true;
                    conn.hup |= ev.is_read_closed() || ev.is_error();
                }
                let output = ev.is_writable() && conn.unsent() > 0;
                if input {
                    self.queue(i);
                }
                if output {
                    self.mark_dirty(i);
                }
            }
            if woken {
                self.take_messages();
                if !stopping && self.stop.load(Ordering::Acquire) {
                    stopping = true;
                    self.begin_stop();
                }
            }
            self.turn();
            self.send_replies();
            if Instant::now() >= next_tick {
                self.housekeeping();
                next_tick = Instant::now() + tick;
            }
            if stopping && self.live == 0 {
                return;
            }
        }
    }

    fn conn(&mut self, i: usize) -> &mut Conn {
        self.conns[i].as_mut().expect("a live connection")
    }

    /// Queues connection `i` to be served, if it is still there.
    fn queue(&mut self, i: usize) {
        let Some(conn) = self.conns.get_mut(i).and_then(Option::as_mut) else { return };
        if !conn.queued {
            conn.queued = true;
            self.run.push(i);
        }
    }

    fn mark_dirty(&mut self, i: usize) {
        let Some(conn) = self.conns.get_mut(i).and_then(Option::as_mut) else { return };
        if !conn.dirty {
            conn.dirty = true;
            self.dirty.push(i);
        }
    }

    fn take_messages(&mut self) {
        while let Ok(msg) = self.inbox.try_recv() {
            match msg {
                Msg::Accepted(stream, info) => self.add(stream, info),
                Msg::Done(done) => {
                    let i = done.token.0;
                    let conn = self.conn(i);
                    conn.out.extend(done.out.bytes());
                    conn.client = Some(done.client);
                    conn.last_active = Instant::now();
                    self.mark_dirty(i);
                    self.queue(i);
                }
            }
        }
    }

    fn add(&mut self, mut stream: TcpStream, info: Arc<ClientInfo>) {
        let i = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        let id = info.id;
        if let Err(e) = self.poll.registry().register(&mut stream, Token(i), Interest::READABLE) {
            eprintln!("srdb: cannot watch a connection: {e}");
            self.srv.clients().remove(&id);
            self.free.push(i);
            return;
        }
        let now = Instant::now();
        let client = Client::new(info, self.srv.config.requirepass.is_none());
        self.conns[i] = Some(Conn {
            stream,
            client: Some(client),
            id,
            parser: RequestParser::new(),
            buf: vec![0u8; READ_BUFFER_BYTES],
            start: 0,
            end: 0,
            out: Reply::new(),
            sent: 0,
            readable: true,
            hup: false,
            no_more_input: self.stop.load(Ordering::Acquire),
            closing: false,
            paused: false,
            queued: false,
            dirty: false,
            committing: false,
            write_interest: false,
            last_active: now,
            stalled_since: None,
        });
        self.live += 1;
        self.queue(i);
    }

    fn close(&mut self, i: usize) {
        let Some(mut conn) = self.conns[i].take() else { return };
        debug_assert!(conn.client.is_some(), "closed while a worker runs its command");
        // Closing the socket deregisters it; deregistering first keeps a
        // file descriptor number reused later from inheriting it.
        let _ = self.poll.registry().deregister(&mut conn.stream);
        self.srv.clients().remove(&conn.id);
        self.free.push(i);
        self.live -= 1;
    }

    /// On shutdown: no connection reads more; each finishes the requests
    /// it has read, then closes once its replies are sent.
    fn begin_stop(&mut self) {
        for i in 0..self.conns.len() {
            if let Some(conn) = self.conns[i].as_mut() {
                conn.no_more_input = true;
                self.queue(i);
            }
        }
    }

    /// Serves the queued connections, group-committing their blind writes,
    /// until none has anything left to run.
    fn turn(&mut self) {
        loop {
            while let Some(i) = self.run.pop() {
                self.conn(i).queued = false;
                let stop = self.serve(i);
                let conn = self.conn(i);
                if conn.client.as_ref().is_some_and(Client::has_uncommitted) && !conn.committing {
                    conn.committing = true;
                    self.committers.push(i);
                }
                match stop {
                    Stop::Commit => self.waiting.push(i),
                    Stop::Budget => self.again.push(i),
                    Stop::Paused => self.conn(i).paused = true,
                    Stop::End => self.conn(i).closing = true,
                    Stop::Drained if self.conn(i).no_more_input => self.conn(i).closing = true,
                    Stop::Drained | Stop::Busy => {}
                }
                if self.conn(i).unsent() > 0 || self.conn(i).closing {
                    self.mark_dirty(i);
                }
                if self.writes.is_full() {
                    self.commit();
                }
            }
            if self.writes.is_empty() {
                debug_assert!(self.waiting.is_empty(), "waiting for a commit without writes");
                return;
            }
            self.commit();
        }
    }

    /// Commits the group's blind writes, settles their replies and lets the
    /// connections waiting for the commit continue.
    fn commit(&mut self) {
        let result = self.writes.commit();
        for i in std::mem::take(&mut self.committers) {
            let conn = self.conns[i].as_mut().expect("a live connection");
            conn.committing = false;
            if let Some(client) = conn.client.as_mut() {
                client.committed(&mut conn.out, &result);
            }
        }
        for i in std::mem::take(&mut self.waiting) {
            self.queue(i);
        }
    }

    /// Runs the connection's complete requests and reads more, until it
    /// has to stop.
    fn serve(&mut self, i: usize) -> Stop {
        let srv = self.srv.clone();
        let mut reads = 0;
        loop {
            match self.run_requests(i) {
                Stop::Drained => {}
                other => return other,
            }
            let conn = self.conn(i);
            if conn.closing || conn.no_more_input || !conn.readable {
                return Stop::Drained;
            }
            if reads == READS_PER_TURN {
                return Stop::Budget;
            }
            reads += 1;
            if let Err(stop) = conn.read(&srv) {
                return stop;
            }
        }
    }

    /// Runs the complete requests in the connection's buffer.
    fn run_requests(&mut self, i: usize) -> Stop {
        let srv = &self.srv;
        let conn = self.conns[i].as_mut().expect("a live connection");
        if conn.closing {
            return Stop::Drained;
        }
        loop {
            let Some(client) = conn.client.as_ref() else {
                return Stop::Busy;
            };
            if conn.unsent() >= REPLY_FLUSH_BYTES {
                if client.has_uncommitted() {
                    return Stop::Commit;
                }
                if !conn.flush(srv) {
                    conn.no_more_input = true;
                    return Stop::End;
                }
                if conn.unsent() >= REPLY_FLUSH_BYTES {
                    return Stop::Paused;
                }
            }
            let client = conn.client.as_mut().expect("checked above");
            let limits = parser_limits(srv, client.authenticated);
            let input = &conn.buf[conn.start..conn.end];
            let used = match conn.parser.parse(input, &limits) {
                Ok(Some(used)) if used > srv.config.max_request_bytes => {
                    conn.too_large(srv);
                    return Stop::End;
                }
                Ok(Some(used)) => used,
                Ok(None) => return Stop::Drained,
                Err(e) => {
                    Counters::add(&srv.counters.protocol_errors, 1);
                    conn.out.error(&format!("ERR {e}"));
                    conn.no_more_input = true;
                    return Stop::End;
                }
            };
            let args = conn.parser.args(input);
            if args.is_empty() {
                conn.start += used;
                continue;
            }
            let spec = lookup(args.get(0));
            match plan(client, spec, args, used) {
                Plan::AfterCommit => return Stop::Commit,
                Plan::Worker => {
                    let request = input[..used].to_vec();
                    let job = Job {
                        token: Token(i),
                        client: conn.client.take().expect("the client is here"),
                        request,
                        resp3: conn.out.is_resp3(),
                        home: self.home.clone(),
                    };
                    conn.start += used;
                    // The workers stop only after every loop has ended.
                    self.jobs.send(job).expect("the workers outlive the loops");
                    return Stop::Busy;
                }
                Plan::Inline => {
                    execute(srv, client, &mut conn.out, &mut self.writes, spec, args);
                    conn.start += used;
                    if client.closing {
                        conn.no_more_input = true;
                        return Stop::End;
                    }
                    if client.must_commit() {
                        return Stop::Commit;
                    }
                }
            }
        }
    }

    /// Writes out the replies of the connections that have some, and
    /// closes the connections that are done.
    fn send_replies(&mut self) {
        for i in std::mem::take(&mut self.dirty) {
            let srv = self.srv.clone();
            let conn = self.conn(i);
            conn.dirty = false;
            if !conn.flush(&srv) {
                if conn.client.is_some() {
                    self.close(i);
                } else {
                    // A worker runs its command: the connection closes
                    // once the worker has handed the client back.
                    conn.closing = true;
                    conn.no_more_input = true;
                }
                continue;
            }
            let unsent = conn.unsent();
            if unsent == 0 && conn.closing && conn.client.is_some() {
                self.close(i);
                continue;
            }
            if conn.paused && unsent < REPLY_FLUSH_BYTES {
                conn.paused = false;
                self.queue(i);
            }
            let conn = self.conns[i].as_mut().expect("a live connection");
            let want_write = unsent > 0;
            if want_write != conn.write_interest {
                let interest = if want_write {
                    Interest::READABLE | Interest::WRITABLE
                } else {
                    Interest::READABLE
                };
                let registered =
                    self.poll.registry().reregister(&mut conn.stream, Token(i), interest);
                conn.write_interest = want_write;
                if registered.is_err() {
                    conn.closing = true;
                }
            }
        }
        // Resumed paused connections run in the next iteration, whose poll
        // does not wait.
        for i in std::mem::take(&mut self.run) {
            if let Some(conn) = self.conns[i].as_mut() {
                conn.queued = false;
                self.again.push(i);
            }
        }
    }

    /// Closes connections idle or stuck past their timeouts.
    fn housekeeping(&mut self) {
        let now = Instant::now();
        let (idle, reply) = (self.srv.config.idle_timeout, self.srv.config.reply_timeout);
        for i in 0..self.conns.len() {
            let Some(conn) = self.conns[i].as_ref() else { continue };
            if conn.client.is_none() {
                continue; // Its command runs; the worker brings it back.
            }
            let stuck = conn.stalled_since.is_some_and(|t| now.duration_since(t) >= reply);
            let quiet = !idle.is_zero()
                && conn.unsent() == 0
                && now.duration_since(conn.last_active) >= idle;
            if stuck || quiet {
                self.close(i);
            }
        }
    }
}

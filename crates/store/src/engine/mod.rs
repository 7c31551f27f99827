//! The write engine, by mechanism rather than by domain: group commit for every aggregate
//! (this file), the native SQLite writer (`native.rs`) and the bulk readers (`bulk.rs`).
//!
//! An aggregate gets group commit by implementing [`Job`]: how to write one of its changes in a
//! transaction, returning the events to record. The engine gathers the writes waiting, writes
//! them one after another in one transaction, appends every write's events to the audit log in
//! one go, commits once and only then answers each caller: acknowledged means durable.
//!
//! A write may be refused in two ways. Refused before it wrote anything (its version check found
//! the row changed, the row is not there): that write alone is answered with the refusal and its
//! neighbours go on. Failed after it began writing (a foreign key, a unique key, a lost
//! connection): the whole transaction is rolled back and each write is tried again in a
//! transaction of its own, so only the failing one fails and it leaves nothing. No savepoints: on
//! PostgreSQL each would be a subtransaction, hundreds per commit.
//!
//! Cases use a sink of their own ([`crate::batch`]) that writes a whole batch in a handful of
//! statements; anything else uses [`Batches`].

pub(crate) mod bulk;
pub(crate) mod db;
pub(crate) mod native;
pub(crate) mod serials;

use crate::audit::NewEvent;
use crate::sql::Backend;
use crate::{By, Recorded, Result, StoreError};
use db::{Db, NativeTx, PoolTx};
use futures_util::FutureExt;
use sqlx::AnyPool;
use std::future::Future;
use std::marker::PhantomData;
use tokio::sync::{mpsc, oneshot};

/// What one write leaves to the engine: its answer, and the events its author records.
pub(crate) struct Written<T> {
    pub value: T,
    pub by: By,
    pub events: Vec<NewEvent>,
}

/// One change of an aggregate, as the engine writes it.
pub(crate) trait Job: Send + Sync + 'static {
    type Out: Send + 'static;
    /// Its place in a batch: creates first, then updates by id, so concurrent batches (several
    /// server processes sharing one PostgreSQL database) lock rows in one order.
    fn order(&self) -> (u8, i64);
    /// Write the rows (not the events: return them) in the caller's transaction. The inner error
    /// refuses this job alone and may only come before it wrote anything; the outer one fails the
    /// transaction (and the engine retries each job on its own).
    fn write<D: Db>(&self, db: &mut D) -> impl Future<Output = Result<Result<Written<Self::Out>>>> + Send;
}

/// Where a batch goes: written in one transaction and committed. The jobs come back for a retry.
pub(crate) trait Sink: Clone + Send + Sync + 'static {
    type Job: Send + 'static;
    type Out: Send + 'static;
    fn order(job: &Self::Job) -> (u8, i64);
    #[allow(clippy::type_complexity)]
    fn commit(&self, jobs: Vec<Self::Job>) -> impl Future<Output = (Vec<Self::Job>, Result<Vec<Result<Recorded<Self::Out>>>>)> + Send;
}

/// Where the writes of a [`Batches`] sink go.
#[derive(Clone)]
pub(crate) enum Target {
    /// A pooled transaction (PostgreSQL).
    Pool(AnyPool, Backend),
    /// The native writer's connection (SQLite): no statement leaves the writer's thread.
    Native(native::NativeWriter),
}

/// The sink of any [`Job`]: one transaction, one audit append for the whole batch.
pub(crate) struct Batches<J> {
    target: Target,
    job: PhantomData<fn() -> J>,
}

impl<J> Clone for Batches<J> {
    fn clone(&self) -> Self {
        Self { target: self.target.clone(), job: PhantomData }
    }
}

impl<J: Job> Batches<J> {
    pub(crate) fn new(target: Target) -> Self {
        Self { target, job: PhantomData }
    }

    /// Write the jobs in one transaction of the target and commit it; with `all_or_nothing`,
    /// the first refusal fails the transaction.
    async fn in_transaction(&self, jobs: Vec<J>, all_or_nothing: bool) -> (Vec<J>, Result<Vec<Result<Recorded<J::Out>>>>) {
        let check = move |results: Vec<Result<Recorded<J::Out>>>| -> Result<Vec<Result<Recorded<J::Out>>>> {
            if all_or_nothing {
                if let Some(Err(e)) = results.into_iter().find(|r| r.is_err()) {
                    return Err(e);
                }
                return Ok(vec![]);
            }
            Ok(results)
        };
        match &self.target {
            Target::Pool(pool, backend) => {
                let result = async {
                    let mut tx = pool.begin().await?;
                    let results = check(write_jobs(&mut PoolTx { tx: &mut tx, backend: *backend }, &jobs).await?)?;
                    tx.commit().await?;
                    Ok(results)
                }
                .await;
                (jobs, result)
            }
            Target::Native(native) => {
                native
                    .run(jobs, move |conn, jobs| {
                        // Every statement runs when polled: the write is done after one poll.
                        let written = write_jobs(&mut NativeTx { conn }, jobs)
                            .now_or_never()
                            .unwrap_or_else(|| Err(StoreError::Invalid("a native write waited on something".into())))?;
                        check(written)
                    })
                    .await
            }
        }
    }

    /// Write every job in one transaction, all or nothing (imports, demo data): the first refusal
    /// is the answer and nothing stays.
    pub(crate) async fn write_all(&self, jobs: Vec<J>) -> Result<usize> {
        let n = jobs.len();
        self.in_transaction(jobs, true).await.1.map(|_| n)
    }
}

/// Write jobs in the caller's transaction, one after another, then their events. The outer error
/// means the transaction failed; an inner one refused that job alone (it wrote nothing).
pub(crate) async fn write_jobs<J: Job, D: Db>(db: &mut D, jobs: &[J]) -> Result<Vec<Result<Recorded<J::Out>>>> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut groups = Vec::with_capacity(jobs.len());
    for job in jobs {
        match job.write(db).await? {
            Ok(w) => {
                groups.push((w.by, w.events));
                outcomes.push(Ok(w.value));
            }
            Err(refused) => outcomes.push(Err(refused)),
        }
    }
    let mut leaves = db.append(groups).await?.into_iter();
    Ok(outcomes.into_iter().map(|o| o.map(|value| Recorded { value, leaves: leaves.next().unwrap_or_default() })).collect())
}

impl<J: Job> Sink for Batches<J> {
    type Job = J;
    type Out = J::Out;

    fn order(job: &J) -> (u8, i64) {
        job.order()
    }

    async fn commit(&self, jobs: Vec<J>) -> (Vec<J>, Result<Vec<Result<Recorded<J::Out>>>>) {
        self.in_transaction(jobs, false).await
    }
}

/// A job on its way to a writer, with where to send the outcome.
struct Pending<S: Sink> {
    job: S::Job,
    reply: oneshot::Sender<Result<Recorded<S::Out>>>,
}

/// Most jobs in one commit.
const MAX_BATCH: usize = 512;

/// The queue of one aggregate's writes and the writer that empties it.
pub(crate) struct Committer<S: Sink> {
    queue: mpsc::Sender<Pending<S>>,
}

impl<S: Sink> Clone for Committer<S> {
    fn clone(&self) -> Self {
        Self { queue: self.queue.clone() }
    }
}

impl<S: Sink> Committer<S> {
    /// Start the aggregate's writer. One on either backend: SQLite writes one transaction at a
    /// time anyway, and on PostgreSQL every commit queues on the log's lock, so a second writer
    /// only splits the waiting writes into smaller batches that contend for the same rows (on two
    /// cores, case lifecycles ran 1,583–1,826 transitions/s with one writer, 1,270–1,484 with two
    /// to four, whose deadlocks on serial rows also cost some writes a second's wait).
    pub(crate) fn start(sink: S) -> Self {
        let (queue, jobs) = mpsc::channel(4096);
        tokio::spawn(run_writer(sink, jobs));
        Self { queue }
    }

    /// Hand a write to the writer and wait for its commit.
    pub(crate) async fn submit(&self, job: S::Job) -> Result<Recorded<S::Out>> {
        let (reply, answer) = oneshot::channel();
        let gone = || StoreError::Invalid("the database writer has stopped".into());
        self.queue.send(Pending { job, reply }).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// A group-commit writer: takes every job waiting (while one commit is being made, the next
/// batch gathers), writes them in one transaction, commits once, then answers each. A job is
/// acknowledged only after its commit. If the batch fails as a whole, each job is retried in a
/// transaction of its own, so one bad job cannot sink its neighbours.
async fn run_writer<S: Sink>(sink: S, mut queue: mpsc::Receiver<Pending<S>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        if queue.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        batch.sort_by_key(|p: &Pending<S>| S::order(&p.job));
        let (jobs, replies): (Vec<S::Job>, Vec<_>) = batch.drain(..).map(|p| (p.job, p.reply)).unzip();
        match sink.commit(jobs).await {
            (_, Ok(results)) => {
                for (result, reply) in results.into_iter().zip(replies) {
                    let _ = reply.send(result);
                }
            }
            (jobs, Err(e)) if jobs.len() == 1 => {
                let _ = replies.into_iter().next().map(|r| r.send(Err(e)));
            }
            (jobs, Err(_)) => {
                for (job, reply) in jobs.into_iter().zip(replies) {
                    let result = sink.commit(vec![job]).await.1.and_then(|mut r| r.pop().unwrap_or(Err(StoreError::Invalid("no outcome".into()))));
                    let _ = reply.send(result);
                }
            }
        }
    }
}

//! [`Conversation`]: a multi-turn CLI client that records its turns.

use std::ops::Deref;
use std::process::ExitStatus;

use claude_sdk_backend_cli::CliClient;
use claude_sdk_core::{EventStream, Outcome, Result, UserContent};
use claude_sdk_session::{Recorder, Recording, SessionId};

/// A conversation in one long-lived CLI process, returned by [`Client::connect`](crate::Client::connect).
///
/// [`turn`](Conversation::turn) and [`query`](Conversation::query) record into the session store
/// when the client has one. Everything else of [`CliClient`] (interrupt, set_model, control, …) is
/// reachable through `Deref`; its raw `send`/`receive` are not recorded.
#[derive(Debug)]
pub struct Conversation {
    client: CliClient,
    recorder: Option<Recorder>,
}

impl Conversation {
    pub(crate) fn new(client: CliClient, recorder: Option<Recorder>) -> Self {
        Conversation { client, recorder }
    }

    /// The stored session this conversation records into, if any.
    pub fn session_id(&self) -> Option<SessionId> {
        self.recorder.as_ref().map(Recorder::id)
    }

    /// Sends a prompt and returns the events of its turn (recorded in the background).
    pub async fn turn(&self, prompt: impl Into<UserContent>) -> Result<EventStream> {
        Ok(self.turn_recorded(prompt.into()).await?.0)
    }

    /// Sends a prompt and waits for the outcome of its turn. A storage failure is an error
    /// (code `storage`), even when the turn itself succeeded.
    pub async fn query(&self, prompt: impl Into<UserContent>) -> Result<Outcome> {
        let (events, recording) = self.turn_recorded(prompt.into()).await?;
        let outcome = events.outcome().await;
        if let Some(r) = recording {
            let stored = r.finish().await;
            let outcome = outcome?;
            stored?;
            return Ok(outcome);
        }
        outcome
    }

    /// Closes the conversation (see [`CliClient::close`]).
    pub async fn close(self) -> Result<Option<ExitStatus>> {
        self.client.close().await
    }

    /// The underlying client.
    pub fn into_inner(self) -> CliClient {
        self.client
    }

    async fn turn_recorded(&self, prompt: UserContent) -> Result<(EventStream, Option<Recording>)> {
        if let Some(r) = &self.recorder {
            r.prompt(&prompt).await?;
        }
        let events = EventStream::new(self.client.turn(prompt).await?);
        Ok(match &self.recorder {
            Some(r) => {
                let (events, recording) = r.record(events);
                (events, Some(recording))
            }
            None => (events, None),
        })
    }
}

impl Deref for Conversation {
    type Target = CliClient;

    fn deref(&self) -> &CliClient {
        &self.client
    }
}

//! The server's session state machine as a pure function.
//!
//! RFC 2326 Appendix A.2 gives the server's table; everything not in it is
//! answered 455 Method Not Valid in This State, with an `Allow` header
//! listing what the state does allow. [`server_transition`] is the only place
//! that decides a session's next state; the server object applies its answer
//! in one place after the request has succeeded.

use crate::rtsp::{Method, MethodSet, StatusCode};

use super::State;

/// What a request does to a session, when the state allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The request does not touch the session state (OPTIONS, DESCRIBE,
    /// GET_PARAMETER, SET_PARAMETER).
    Stateless,
    /// The request moves the session (possibly to the same state) once it
    /// has succeeded.
    To(State),
}

/// Why a request is refused before it is looked at further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The status to answer with.
    pub status: StatusCode,
    /// The `Allow` header to send with it (405 and 455 require one).
    pub allow: Option<MethodSet>,
}

/// Methods the server implements at all (its `Public` header).
pub const PUBLIC: [Method; 8] = [
    Method::Options,
    Method::Describe,
    Method::Setup,
    Method::Play,
    Method::Pause,
    Method::Teardown,
    Method::GetParameter,
    Method::SetParameter,
];

/// The `Public` header value: every method the server implements.
pub fn public_methods() -> MethodSet {
    PUBLIC.iter().fold(MethodSet::empty(), |s, &m| s.with(m))
}

/// Methods valid in `state` (the `Allow` header of a 455 reply).
pub fn allowed_in(state: State) -> MethodSet {
    PUBLIC
        .iter()
        .filter(|&&m| table(state, m).is_some())
        .fold(MethodSet::empty(), |s, &m| s.with(m))
}

/// The server's transition table (RFC 2326 A.2), as a pure function.
///
/// `state` is the state of the session the request names (`State::Init`
/// when it names none); `method` is `None` for a method we do not know.
///
/// - Unknown methods: 501 Not Implemented.
/// - ANNOUNCE, RECORD (we only serve, never record) and REDIRECT (sent by
///   servers, not to them): 405 Method Not Allowed with `Allow`.
/// - OPTIONS, DESCRIBE, GET_PARAMETER, SET_PARAMETER: valid in any state.
/// - SETUP: INIT→READY, READY→READY (new transport). In PLAYING the RFC lets
///   a server refuse to change the transport of a playing stream; we do
///   (455), so a second SETUP never creates a twin of a playing session.
/// - PLAY: READY→PLAYING, PLAYING→PLAYING (a new range: seek).
/// - PAUSE: PLAYING→READY.
/// - TEARDOWN: READY or PLAYING → INIT.
/// - Anything else in a state: 455 with the state's `Allow`.
pub fn server_transition(state: State, method: Option<Method>) -> Result<Transition, Refusal> {
    use Method::*;
    let Some(method) = method else {
        return Err(Refusal {
            status: StatusCode::NOT_IMPLEMENTED,
            allow: None,
        });
    };
    if matches!(method, Announce | Record | Redirect) {
        return Err(Refusal {
            status: StatusCode::METHOD_NOT_ALLOWED,
            allow: Some(public_methods()),
        });
    }
    table(state, method).ok_or_else(|| Refusal {
        status: StatusCode::METHOD_NOT_VALID_IN_THIS_STATE,
        allow: Some(allowed_in(state)),
    })
}

/// RFC 2326 A.2 for the methods we serve; `None` where the table has no entry.
fn table(state: State, method: Method) -> Option<Transition> {
    use Method::*;
    use State::*;
    let to = match (method, state) {
        (Options | Describe | GetParameter | SetParameter, _) => {
            return Some(Transition::Stateless);
        }
        (Setup, Init | Ready) => Ready,
        (Play, Ready | Playing) => Playing,
        (Pause, Playing) => Ready,
        (Teardown, Ready | Playing) => Init,
        _ => return None,
    };
    Some(Transition::To(to))
}

/// The client's side of the same table (RFC 2326 A.1): the state a client
/// moves to when `method` succeeds in `state`, or `None` when the client must
/// not send it in that state.
pub fn client_transition(state: State, method: Method) -> Option<State> {
    use Method::*;
    use State::*;
    match (method, state) {
        (Options | Describe | GetParameter | SetParameter, s) => Some(s),
        (Setup, Init | Ready) => Some(Ready),
        (Play, Ready | Playing) => Some(Playing),
        (Pause, Playing) => Some(Ready),
        (Teardown, Ready | Playing) => Some(Init),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Method::*;
    use State::*;

    /// Every (state, method) pair with its expected outcome: the table the
    /// issue asks for, written out rather than derived.
    #[test]
    fn server_table() {
        let ok = |s| Ok::<_, u16>(Transition::To(s));
        let none = Ok::<_, u16>(Transition::Stateless);
        let cases: &[(State, Method, Result<Transition, u16>)] = &[
            (Init, Options, none),
            (Ready, Options, none),
            (Playing, Options, none),
            (Init, Describe, none),
            (Ready, Describe, none),
            (Playing, Describe, none),
            (Init, GetParameter, none),
            (Ready, GetParameter, none),
            (Playing, GetParameter, none),
            (Init, SetParameter, none),
            (Ready, SetParameter, none),
            (Playing, SetParameter, none),
            (Init, Setup, ok(Ready)),
            (Ready, Setup, ok(Ready)),
            (Playing, Setup, Err(455)),
            (Init, Play, Err(455)),
            (Ready, Play, ok(Playing)),
            (Playing, Play, ok(Playing)),
            (Init, Pause, Err(455)),
            (Ready, Pause, Err(455)),
            (Playing, Pause, ok(Ready)),
            (Init, Teardown, Err(455)),
            (Ready, Teardown, ok(Init)),
            (Playing, Teardown, ok(Init)),
            (Init, Announce, Err(405)),
            (Ready, Announce, Err(405)),
            (Playing, Announce, Err(405)),
            (Init, Record, Err(405)),
            (Ready, Record, Err(405)),
            (Playing, Record, Err(405)),
            (Init, Redirect, Err(405)),
            (Ready, Redirect, Err(405)),
            (Playing, Redirect, Err(405)),
        ];
        assert_eq!(cases.len(), 3 * Method::ALL.len(), "every pair listed");
        for &(state, method, expect) in cases {
            let got = server_transition(state, Some(method)).map_err(|r| {
                if matches!(r.status.0, 405 | 455) {
                    assert!(r.allow.is_some(), "{state} {method:?}: 405/455 need Allow");
                }
                r.status.0
            });
            assert_eq!(got, expect, "{state} {method:?}");
        }
        for state in [Init, Ready, Playing] {
            assert_eq!(
                server_transition(state, None).unwrap_err().status,
                StatusCode::NOT_IMPLEMENTED
            );
        }
    }

    #[test]
    fn allow_sets() {
        assert!(allowed_in(Init).contains(Setup));
        assert!(!allowed_in(Init).contains(Play));
        assert!(allowed_in(Ready).contains(Play));
        assert!(!allowed_in(Ready).contains(Pause));
        assert!(allowed_in(Playing).contains(Pause));
        assert!(!allowed_in(Playing).contains(Setup));
        assert!(!public_methods().contains(Record));
    }

    #[test]
    fn client_table() {
        let cases: &[(State, Method, Option<State>)] = &[
            (Init, Setup, Some(Ready)),
            (Ready, Setup, Some(Ready)),
            (Playing, Setup, None),
            (Init, Play, None),
            (Ready, Play, Some(Playing)),
            (Playing, Play, Some(Playing)),
            (Init, Pause, None),
            (Ready, Pause, None),
            (Playing, Pause, Some(Ready)),
            (Init, Teardown, None),
            (Ready, Teardown, Some(Init)),
            (Playing, Teardown, Some(Init)),
            (Init, Options, Some(Init)),
            (Playing, GetParameter, Some(Playing)),
            (Ready, Describe, Some(Ready)),
            (Init, Record, None),
            (Ready, Announce, None),
            (Playing, Redirect, None),
        ];
        for &(s, m, e) in cases {
            assert_eq!(client_transition(s, m), e, "{s} {m:?}");
        }
    }
}

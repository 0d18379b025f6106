//! RTSP status codes (RFC 2326 Section 7.1.1).

use core::fmt;

/// An RTSP status code (RFC 2326 Section 7.1.1).
///
/// Any three-digit value is representable: RFC 2326 Section 11 requires a
/// receiver to treat an unknown code as the `x00` code of its class, which
/// [`StatusCode::reason`] and the `is_*` class tests do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusCode(pub u16);

macro_rules! status_codes {
    ($( $(#[$doc:meta])* ($name:ident, $code:expr, $reason:expr); )*) => {
        impl StatusCode {
            $( $(#[$doc])* pub const $name: StatusCode = StatusCode($code); )*

            /// The reason phrase for this code: RFC 2326's for the codes it
            /// defines, a phrase for the class for any other code (so an
            /// emitter always has one).
            pub fn reason(self) -> &'static str {
                match self.0 {
                    $( $code => $reason, )*
                    100..=199 => "Informational",
                    200..=299 => "Success",
                    300..=399 => "Redirection",
                    400..=499 => "Client Error",
                    500..=599 => "Server Error",
                    _ => "Unknown Status",
                }
            }
        }
    };
}

status_codes! {
    /// 100 Continue.
    (CONTINUE, 100, "Continue");
    /// 200 OK.
    (OK, 200, "OK");
    /// 201 Created.
    (CREATED, 201, "Created");
    /// 250 Low on Storage Space.
    (LOW_ON_STORAGE_SPACE, 250, "Low on Storage Space");
    /// 300 Multiple Choices.
    (MULTIPLE_CHOICES, 300, "Multiple Choices");
    /// 301 Moved Permanently.
    (MOVED_PERMANENTLY, 301, "Moved Permanently");
    /// 302 Moved Temporarily.
    (MOVED_TEMPORARILY, 302, "Moved Temporarily");
    /// 303 See Other.
    (SEE_OTHER, 303, "See Other");
    /// 304 Not Modified.
    (NOT_MODIFIED, 304, "Not Modified");
    /// 305 Use Proxy.
    (USE_PROXY, 305, "Use Proxy");
    /// 400 Bad Request: malformed request.
    (BAD_REQUEST, 400, "Bad Request");
    /// 401 Unauthorized.
    (UNAUTHORIZED, 401, "Unauthorized");
    /// 402 Payment Required.
    (PAYMENT_REQUIRED, 402, "Payment Required");
    /// 403 Forbidden.
    (FORBIDDEN, 403, "Forbidden");
    /// 404 Not Found.
    (NOT_FOUND, 404, "Not Found");
    /// 405 Method Not Allowed (the reply carries `Allow`).
    (METHOD_NOT_ALLOWED, 405, "Method Not Allowed");
    /// 406 Not Acceptable.
    (NOT_ACCEPTABLE, 406, "Not Acceptable");
    /// 407 Proxy Authentication Required.
    (PROXY_AUTHENTICATION_REQUIRED, 407, "Proxy Authentication Required");
    /// 408 Request Time-out.
    (REQUEST_TIMEOUT, 408, "Request Time-out");
    /// 410 Gone.
    (GONE, 410, "Gone");
    /// 411 Length Required.
    (LENGTH_REQUIRED, 411, "Length Required");
    /// 412 Precondition Failed.
    (PRECONDITION_FAILED, 412, "Precondition Failed");
    /// 413 Request Entity Too Large: body over the parser's limit.
    (REQUEST_ENTITY_TOO_LARGE, 413, "Request Entity Too Large");
    /// 414 Request-URI Too Large: start line over the parser's limit.
    (REQUEST_URI_TOO_LONG, 414, "Request-URI Too Large");
    /// 415 Unsupported Media Type.
    (UNSUPPORTED_MEDIA_TYPE, 415, "Unsupported Media Type");
    /// 431 Request Header Fields Too Large. Not in RFC 2326: borrowed from
    /// HTTP (RFC 6585 Section 5) because RTSP/1.0 has no code for a head
    /// over the limits, and 400 would hide why.
    (REQUEST_HEADER_FIELDS_TOO_LARGE, 431, "Request Header Fields Too Large");
    /// 451 Parameter Not Understood.
    (PARAMETER_NOT_UNDERSTOOD, 451, "Parameter Not Understood");
    /// 452 Conference Not Found.
    (CONFERENCE_NOT_FOUND, 452, "Conference Not Found");
    /// 453 Not Enough Bandwidth.
    (NOT_ENOUGH_BANDWIDTH, 453, "Not Enough Bandwidth");
    /// 454 Session Not Found.
    (SESSION_NOT_FOUND, 454, "Session Not Found");
    /// 455 Method Not Valid in This State.
    (METHOD_NOT_VALID_IN_THIS_STATE, 455, "Method Not Valid in This State");
    /// 456 Header Field Not Valid for Resource.
    (HEADER_FIELD_NOT_VALID, 456, "Header Field Not Valid for Resource");
    /// 457 Invalid Range.
    (INVALID_RANGE, 457, "Invalid Range");
    /// 458 Parameter Is Read-Only.
    (PARAMETER_IS_READ_ONLY, 458, "Parameter Is Read-Only");
    /// 459 Aggregate Operation Not Allowed.
    (AGGREGATE_OPERATION_NOT_ALLOWED, 459, "Aggregate Operation Not Allowed");
    /// 460 Only Aggregate Operation Allowed.
    (ONLY_AGGREGATE_OPERATION_ALLOWED, 460, "Only Aggregate Operation Allowed");
    /// 461 Unsupported Transport: no offered Transport spec is acceptable.
    (UNSUPPORTED_TRANSPORT, 461, "Unsupported Transport");
    /// 462 Destination Unreachable.
    (DESTINATION_UNREACHABLE, 462, "Destination Unreachable");
    /// 500 Internal Server Error.
    (INTERNAL_SERVER_ERROR, 500, "Internal Server Error");
    /// 501 Not Implemented: unknown (extension) method.
    (NOT_IMPLEMENTED, 501, "Not Implemented");
    /// 502 Bad Gateway.
    (BAD_GATEWAY, 502, "Bad Gateway");
    /// 503 Service Unavailable.
    (SERVICE_UNAVAILABLE, 503, "Service Unavailable");
    /// 504 Gateway Time-out.
    (GATEWAY_TIMEOUT, 504, "Gateway Time-out");
    /// 505 RTSP Version Not Supported.
    (RTSP_VERSION_NOT_SUPPORTED, 505, "RTSP Version Not Supported");
    /// 551 Option Not Supported (a `Require` the server lacks).
    (OPTION_NOT_SUPPORTED, 551, "Option not supported");
}

impl StatusCode {
    /// The numeric code.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// 1xx.
    pub const fn is_informational(self) -> bool {
        self.0 >= 100 && self.0 < 200
    }

    /// 2xx: the request was received, understood and accepted.
    pub const fn is_success(self) -> bool {
        self.0 >= 200 && self.0 < 300
    }

    /// 3xx.
    pub const fn is_redirection(self) -> bool {
        self.0 >= 300 && self.0 < 400
    }

    /// 4xx.
    pub const fn is_client_error(self) -> bool {
        self.0 >= 400 && self.0 < 500
    }

    /// 5xx.
    pub const fn is_server_error(self) -> bool {
        self.0 >= 500 && self.0 < 600
    }
}

/// `404 Not Found`: the code and its reason phrase.
impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn reasons_and_classes() {
        assert_eq!(StatusCode::OK.reason(), "OK");
        assert_eq!(StatusCode::SESSION_NOT_FOUND.reason(), "Session Not Found");
        assert_eq!(StatusCode(299).reason(), "Success");
        assert_eq!(StatusCode(999).reason(), "Unknown Status");
        assert!(StatusCode::OK.is_success());
        assert!(StatusCode(250).is_success());
        assert!(!StatusCode::MOVED_TEMPORARILY.is_success());
        assert!(StatusCode::MOVED_TEMPORARILY.is_redirection());
        assert!(StatusCode::NOT_FOUND.is_client_error());
        assert!(StatusCode::NOT_IMPLEMENTED.is_server_error());
        assert!(StatusCode::CONTINUE.is_informational());
        assert_eq!(StatusCode::NOT_FOUND.to_string(), "404 Not Found");
        assert_eq!(StatusCode::RTSP_VERSION_NOT_SUPPORTED.as_u16(), 505);
    }
}

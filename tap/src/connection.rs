//! One client's connection, from accept to close: connect to the server,
//! forward both directions at once, and close both sides the way the
//! connection ended (a reset where one side reset).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::direction::{self, Connection};
use crate::report::{Output, Report, Way};
use crate::shaping::{Budget, Shaping};

/// How long the tap tries to reach the server for one client.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn serve(
    number: u64,
    mut client: TcpStream,
    server: SocketAddr,
    shaping: Shaping,
    output: Arc<Output>,
) {
    let report = Report::new(number, &output);
    let client_addr = address(client.peer_addr());
    let mut upstream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(server)).await
    {
        Ok(Ok(upstream)) => upstream,
        failed => {
            let why = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            };
            eprintln!("error: #{number}: could not connect to {server}: {why}");
            report.connection(&format!(
                "client {client_addr} connected, but the server {server} could not be reached ({why}): resetting the client"
            ));
            // As close as the tap can come to the refusal the client would
            // have had from the server itself.
            reset(&client);
            return;
        }
    };
    // Each chunk goes out as its own segment, now: without this, Nagle's
    // algorithm would hold a small chunk back while an earlier one is
    // unacknowledged, and glue the chunks of --split together again.
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    report.connection(&format!(
        "client {client_addr} connected; forwarding from {} to the server {server}",
        address(upstream.local_addr())
    ));

    let connection = Connection {
        report: &report,
        shaping,
        budget: Budget::new(shaping.reset_after),
        resetting: CancellationToken::new(),
        refused: AtomicBool::new(false),
    };
    if connection.budget.is_spent() {
        connection.reset_after(); // --reset-after 0
    }
    let (client_read, client_write) = client.split();
    let (server_read, server_write) = upstream.split();
    // Both directions at once, in this one task; each ends on its own.
    let (up, down) = tokio::join!(
        direction::forward(Way::ClientToServer, client_read, server_write, &connection),
        direction::forward(Way::ServerToClient, server_read, client_write, &connection),
    );

    let ending = match connection.ends_in_a_reset() {
        true => {
            // A side that already reset has nothing left to reset: the
            // other one gets the RST.
            reset(&client);
            reset(&upstream);
            ", both sides reset"
        }
        false => "",
    };
    report.connection(&format!(
        "closed{ending}: {up} bytes client -> server, {down} bytes server -> client"
    ));
    // Dropping the sockets closes them: with SO_LINGER 0, as a reset.
}

/// Makes closing `stream` send a reset (RST) instead of a FIN: SO_LINGER
/// with a time of 0, then the drop that closes it.
fn reset(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

fn address(addr: std::io::Result<SocketAddr>) -> String {
    addr.map_or_else(|_| "(unknown address)".to_string(), |addr| addr.to_string())
}

//! Lab 5: the same chat room, event-driven: tasks instead of threads, and
//! thousands of clients on a few threads.
//!
//! EN: Lab 4's room, on tokio. Every client gets two tasks (one reads what it
//!     says, one writes what the room says) instead of two threads: a task
//!     is a few hundred bytes that the runtime wakes when its socket is
//!     ready, so a handful of threads serve thousands of clients. The room
//!     keeps one copy of what is said, a feed every writer reads at its own
//!     pace. The operator's `adios` stops the accept loop through `select!`,
//!     with no self-connection. Walkthrough: docs/en/lab5.md
//! ES: La sala del lab 4, sobre tokio. Cada cliente tiene dos tareas (una lee
//!     lo que dice, otra escribe lo que dice la sala) en vez de dos hilos:
//!     una tarea ocupa unos cientos de bytes y el runtime la despierta cuando
//!     su socket está listo, así que unos pocos hilos atienden a miles de
//!     clientes. La sala guarda una sola copia de lo que se dice, un canal que
//!     cada escritora lee a su ritmo. El `adios` del operador detiene el bucle
//!     de `accept` con `select!`, sin conectarse a sí mismo. Guía: docs/es/lab5.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --features solutions --bin lab5_server_sol
//!     terminals 2, 3...: cargo run --features solutions --bin lab4_client_sol

use std::collections::HashSet;
use std::io::ErrorKind; // step 6
use std::io::{self, BufRead};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::Context; // step 1
use clap::Parser;
use tokio::io::AsyncBufReadExt; // step 8
use tokio::io::AsyncReadExt; // step 8
use tokio::io::AsyncWriteExt; // step 4
use tokio::io::BufReader;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::TryRecvError; // step 5
use tokio::sync::mpsc::{self, Receiver};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
// The kit's helpers (given/): what the contract needs and this lab does not
// teach. Read them there; given/tasks.rs holds the lingering close.
use given::close::CLOSING;
use given::tasks::linger;
use given::{MAX_LINE, is_about_one_client, is_goodbye, printable, raise_open_file_limit, text_of};

/// How many bytes a client's reader takes from its socket at once: small,
/// so that 10,000 clients hold little (a longer line takes more reads).
const READ_BUFFER: usize = 1024;
/// How many messages (a line, or lines that came together) the room's feed
/// keeps: a client that falls further behind is dropped. It holds one copy
/// of each message for all the clients, so it can be long: 10,000 clients
/// saying a line at once are 10,000 messages, not 100 million deliveries.
const FEED_LEN: usize = 64 * 1024;
/// The most bytes one write to a client sends (it sends more as it goes).
const BATCH_BYTES: usize = 64 * 1024;
/// How long one write to a client may stay stuck before the room drops it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// A chat room: every line a client sends goes to all the others.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (0.0.0.0 to accept other machines)
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 lets the system pick a free one)
    #[arg(long, default_value_t = 6667)]
    port: u16,
}

/// What the room says, in order, on its feed.
#[derive(Clone)]
enum Said {
    /// Lines (each ending in `\n`) for every client but `from` (None: the
    /// server's own, for everyone).
    Lines(Option<SocketAddr>, Arc<str>),
    /// Last words (`adios`, or why the connection ends) for client `to`, or
    /// for everyone when the room closes (None).
    Farewell(Option<SocketAddr>, Arc<str>),
}

/// Who is in the room, and its feed.
struct Members {
    clients: HashSet<SocketAddr>,
    feed: broadcast::Sender<Said>,
}

/// The room, shared by every task. A std Mutex, not tokio's: it is only
/// ever held for a few instructions, never across .await.
type Room = Arc<Mutex<Members>>;

#[tokio::main]
async fn main() -> ExitCode {
    // A failure is news for the user, not a bug in the program: say what
    // failed in one line, never with a backtrace (even with RUST_BACKTRACE=1).
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The program itself: each `?` hands a failure, with what was being done
/// (the context), to main.
async fn run(args: Args) -> anyhow::Result<()> {
    // STEP 1: listen, take clients in, and close the room
    //   Listen as in lab 4, but with tokio's TcpListener (bind(...).await),
    //   and raise_open_file_limit(). Make the room: no clients yet, and a
    //   feed, broadcast::channel(FEED_LEN) (keep its Sender; the Receiver
    //   can go). Make a TaskTracker for every client's tasks, the
    //   operator's keyboard (operator()) and the Ctrl-C token (on_ctrl_c()).
    //   Then, while next_client gives one: admit it, or say why accept
    //   failed (and wait 100 ms with tokio::time::sleep unless the error is
    //   about one client only). Then drop the listener (late clients are
    //   refused), close the room, and say `closed` on stderr.
    // PASO 1: escucha, recibe a los clientes y cierra la sala
    //   Escucha como en el lab 4, pero con el TcpListener de tokio
    //   (bind(...).await), y raise_open_file_limit(). Haz la sala: todavía
    //   sin clientes, y un canal de la sala, broadcast::channel(FEED_LEN)
    //   (guarda su Sender; el Receiver puede irse). Haz un TaskTracker para
    //   las tareas de todos los clientes, el teclado del operador
    //   (operator()) y el token de Ctrl-C (on_ctrl_c()). Después, mientras
    //   next_client te dé uno: admítelo, o di por qué falló el accept (y
    //   espera 100 ms con tokio::time::sleep, salvo que el error sea de un
    //   solo cliente). Al final suelta el listener (los que lleguen tarde
    //   son rechazados), cierra la sala y di `closed` en stderr.
    let addr = format!("{}:{}", args.host, args.port);
    let listener = TcpListener::bind(&addr)
        .await
        .with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);
    raise_open_file_limit();

    let (feed, _) = broadcast::channel(FEED_LEN);
    let room = Room::new(Mutex::new(Members {
        clients: HashSet::new(),
        feed,
    }));
    // Every client's tasks, so that closing can wait for all of them.
    let tasks = TaskTracker::new();
    let mut keyboard = operator();
    let ctrl_c = on_ctrl_c();
    // Until the operator says goodbye: admit every client that connects.
    while let Some(accepted) = next_client(&listener, &mut keyboard, &ctrl_c, &room).await {
        match accepted {
            Ok((stream, addr)) => admit(&room, &tasks, stream, addr),
            Err(e) => {
                eprintln!("error: could not accept a client: {e}");
                // Out of file descriptors (or memory), accept() would fail
                // again at once: give the system a moment. A client that
                // was gone before we took it is no reason to wait.
                if !is_about_one_client(&e) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    drop(listener); // late clients are refused, not left waiting
    close_room(&room, &tasks).await;
    eprintln!("closed");
    Ok(())
}

/// The operator's keyboard: a channel that brings each line typed on stdin,
/// as printable text. None once stdin ends.
fn operator() -> Receiver<String> {
    let (lines, keyboard) = mpsc::channel(16);
    // Reading stdin blocks until the operator presses Enter. In a task it
    // would hold one of the runtime's few threads for that long, so it gets
    // a thread of its own (tokio's stdin does the same, out of sight).
    thread::spawn(move || {
        for line in io::stdin().lock().split(b'\n') {
            let Ok(line) = line else { break };
            // Fails once main has dropped the keyboard: the server is closing.
            if lines.blocking_send(printable(&text_of(&line))).is_err() {
                break;
            }
        }
        // Returning drops `lines`: main's keyboard.recv() gets None.
    });
    keyboard
}

/// A token cancelled when the operator presses Ctrl-C (on Windows too):
/// the room then closes as it does on adios, instead of the default (the
/// process killed, and every client cut off).
fn on_ctrl_c() -> CancellationToken {
    let pressed = CancellationToken::new();
    let token = pressed.clone();
    tokio::spawn(async move {
        // An error means no handler: Ctrl-C then keeps its default.
        if tokio::signal::ctrl_c().await.is_ok() {
            token.cancel();
        }
    });
    pressed
}

/// The next client that connects, or None once the operator says goodbye
/// (or presses Ctrl-C). Meanwhile, every other line of the operator goes
/// to every client.
async fn next_client(
    listener: &TcpListener,
    keyboard: &mut Receiver<String>,
    ctrl_c: &CancellationToken,
    room: &Room,
) -> Option<io::Result<(TcpStream, SocketAddr)>> {
    // STEP 2: wait for whatever comes first
    //   Again and again, wait for whichever comes first (tokio::select!):
    //   a client at the listener (return it); Ctrl-C (return None); or a
    //   line of the operator: the goodbye word returns None, any other
    //   line goes to everyone as `[server] text` (relay), and you wait
    //   again. Once stdin ends, keyboard.recv() gives None at once, every
    //   time: that branch must then stop taking part, or the loop spins.
    // PASO 2: espera lo que llegue primero
    //   Una y otra vez, espera lo que llegue primero (tokio::select!): un
    //   cliente en el listener (devuélvelo); Ctrl-C (devuelve None); o una
    //   línea del operador: la despedida devuelve None, cualquier otra
    //   línea va a todos como `[server] texto` (relay), y vuelves a
    //   esperar. Cuando stdin termina, keyboard.recv() da None al instante,
    //   cada vez: esa rama debe dejar de participar, o el bucle gira sin
    //   parar.
    loop {
        // Whichever comes first; the other branches are dropped, and all are
        // safe to drop: no client or line is lost, the next turn waits again.
        tokio::select! {
            accepted = listener.accept() => return Some(accepted),
            () = ctrl_c.cancelled() => return None,
            // None once stdin ends: the pattern does not match, so the
            // branch is disabled, and the room goes on without an operator.
            Some(text) = keyboard.recv() => {
                if is_goodbye(&text) {
                    return None;
                }
                relay(&room.lock().unwrap(), &format!("[server] {text}\n"), None);
            }
        }
    }
}

/// Puts a new client in the room and starts its two tasks: one reads what
/// it says, one writes what the room says.
fn admit(room: &Room, tasks: &TaskTracker, stream: TcpStream, addr: SocketAddr) {
    // STEP 3: a client joins: its two tasks
    //   Turn off Nagle's delay (set_nodelay: the writer sends whole
    //   batches) and split the stream into its reading and writing halves
    //   (into_split). Make a CancellationToken, `hang_up`: the writer
    //   cancels it when it ends the stream. With the room locked: subscribe
    //   to the feed (so the client hears everything from now on), spawn
    //   the writer (write_to_client) and the reader (handle_client) on the
    //   tracker, each with a clone of `hang_up`, tell the others it joined
    //   (relay), put it in the room, and print `* IP:PORT joined`.
    // PASO 3: un cliente entra: sus dos tareas
    //   Apaga el retraso de Nagle (set_nodelay: la escritora envía tandas
    //   enteras) y parte el stream en su mitad de lectura y su mitad de
    //   escritura (into_split). Haz un CancellationToken, `hang_up`: la
    //   escritora lo cancela cuando termina el flujo. Con la sala tomada:
    //   suscríbete al canal de la sala (subscribe: así el cliente oye todo
    //   desde ahora), crea la escritora (write_to_client) y la lectora
    //   (handle_client) en el tracker, cada una con un clon de `hang_up`,
    //   avisa a los demás que entró (relay), mételo en la sala y escribe
    //   `* IP:PUERTO joined`.

    // The writer sends whole batches: Nagle's delay would only add latency.
    let _ = stream.set_nodelay(true);
    let (from_client, to_client) = stream.into_split();
    let hang_up = CancellationToken::new();
    // lock() fails only if a task panicked while holding it: a bug, not a client
    let mut members = room.lock().unwrap();
    // Subscribed while we hold the lock: the client hears everything said
    // from now on, and cannot speak before the room knows it.
    let feed = members.feed.subscribe();
    tasks.spawn(write_to_client(to_client, feed, addr, hang_up.clone()));
    tasks.spawn(handle_client(
        Arc::clone(room),
        from_client,
        addr,
        hang_up.clone(),
    ));
    relay(&members, &format!("* {addr} joined\n"), Some(addr));
    members.clients.insert(addr);
    // The transcript on stdout: from this line on, the client hears the room.
    println!("* {addr} joined");
}

/// Puts `lines` (whole lines, each ending in `\n`) on the room's feed, for
/// every client but `from`. It never waits: the room is locked.
fn relay(members: &Members, lines: &str, from: Option<SocketAddr>) {
    // STEP 3: a client joins: its two tasks
    //   Send the lines on the feed, once, for everyone: Said::Lines with
    //   `from` and the text (an Arc<str>). send() fails only when nobody is
    //   listening: nobody to tell.
    // PASO 3: un cliente entra: sus dos tareas
    //   Envía las líneas por el canal de la sala, una vez, para todos:
    //   Said::Lines con `from` y el texto (un Arc<str>). send() solo falla
    //   cuando nadie escucha: no hay a quién avisarle.

    // One copy of the text for every client: each writer clones the Arc.
    let _ = members.feed.send(Said::Lines(from, Arc::from(lines)));
}

/// Sends the client what the room says, until its last words (or until it
/// falls too far behind, or a write fails); then ends the stream (FIN) and
/// tells its reader task, which lingers before the socket closes.
async fn write_to_client(
    mut to_client: OwnedWriteHalf,
    mut feed: broadcast::Receiver<Said>,
    me: SocketAddr,
    hang_up: CancellationToken,
) {
    // STEP 4: the writer task
    //   Send the client the feed (send_feed; when it fails, the client
    //   fell behind or a write failed: that is the end too). Then end the
    //   stream (shutdown().await on the writing half: a half-close) and
    //   cancel `hang_up`, so that the reader task stops and lingers.
    // PASO 4: la tarea escritora
    //   Envíale al cliente el canal de la sala (send_feed; cuando falla, el
    //   cliente se quedó atrás o falló una escritura: también es el final).
    //   Luego termina el flujo (shutdown().await sobre la mitad de
    //   escritura: un semicierre) y cancela `hang_up`, para que la tarea
    //   lectora se detenga y espere antes de cerrar.
    let _ = send_feed(&mut to_client, &mut feed, me).await;
    // The client reads every byte sent, then the end of the stream.
    let _ = to_client.shutdown().await;
    hang_up.cancel();
}

/// Sends the client, in batches, what the room says for it, up to its last
/// words; fails if it falls FEED_LEN messages behind, or if a write fails.
async fn send_feed(
    to_client: &mut OwnedWriteHalf,
    feed: &mut broadcast::Receiver<Said>,
    me: SocketAddr,
) -> io::Result<()> {
    // STEP 4: the writer task
    //   Again and again: wait for the next thing said (feed.recv().await;
    //   an error means the client fell FEED_LEN messages behind: return
    //   the `lagged` error), gather a batch from it (gather), write the
    //   batch if it holds anything (write_batch), and return once it held
    //   the client's last words.
    // PASO 4: la tarea escritora
    //   Una y otra vez: espera lo siguiente que se diga (feed.recv().await;
    //   un error quiere decir que el cliente se quedó FEED_LEN mensajes
    //   atrás: devuelve el error `lagged`), junta una tanda a partir de ello
    //   (gather), escribe la tanda si tiene algo (write_batch) y regresa
    //   cuando traía las últimas palabras del cliente.
    loop {
        // recv() fails if the client fell FEED_LEN messages behind (Lagged):
        // it is not reading, and the room hangs up on it.
        let said = feed.recv().await.map_err(|_| lagged())?;
        let (batch, last) = gather(said, feed, me)?;
        if !batch.is_empty() {
            write_batch(to_client, &batch).await?;
        }
        if last {
            return Ok(());
        }
    }
}

/// The error of a client that fell too far behind the room's feed.
fn lagged() -> io::Error {
    io::Error::other("fell too far behind")
}

/// What is for client `me` in `first` and in everything already said after
/// it, up to BATCH_BYTES: the texts to send, and whether its last words are
/// among them. Fails if the client fell FEED_LEN messages behind.
fn gather(
    first: Said,
    feed: &mut broadcast::Receiver<Said>,
    me: SocketAddr,
) -> io::Result<(Vec<Arc<str>>, bool)> {
    // STEP 5: a batch of what the room said
    //   Starting from `first`, take what is for this client: lines not its
    //   own (Lines whose `from` is not `me`), and last words for it or for
    //   everyone (Farewell whose `to` is None or `me`: they end the batch,
    //   and it is the last). Keep taking what is already waiting
    //   (try_recv, which never waits) until nothing is (Empty: tokio's
    //   broadcast::error::TryRecvError, not std's), or the batch holds
    //   BATCH_BYTES; another error of try_recv is `lagged`.
    // PASO 5: una tanda de lo que dijo la sala
    //   Empezando por `first`, toma lo que es para este cliente: las líneas
    //   que no son suyas (Lines cuyo `from` no es `me`) y las últimas
    //   palabras para él o para todos (Farewell cuyo `to` es None o `me`:
    //   terminan la tanda, y es la última). Sigue tomando lo que ya está
    //   esperando (try_recv, que nunca espera) hasta que no haya nada
    //   (Empty: el TryRecvError de tokio::sync::broadcast::error, no el de
    //   std) o la tanda tenga BATCH_BYTES; otro error de try_recv es
    //   `lagged`.
    let (mut batch, mut bytes) = (Vec::new(), 0);
    let mut said = first;
    loop {
        match said {
            Said::Lines(from, text) if from != Some(me) => {
                bytes += text.len();
                batch.push(text);
            }
            Said::Farewell(to, text) if to.is_none() || to == Some(me) => {
                batch.push(text);
                return Ok((batch, true));
            }
            Said::Lines(..) | Said::Farewell(..) => {} // not for this client
        }
        if bytes >= BATCH_BYTES {
            return Ok((batch, false));
        }
        said = match feed.try_recv() {
            Ok(said) => said,
            Err(TryRecvError::Empty) => return Ok((batch, false)),
            Err(_) => return Err(lagged()),
        };
    }
}

/// Sends `batch` to the client, as few writes as it takes, or fails.
async fn write_batch(to_client: &mut OwnedWriteHalf, batch: &[Arc<str>]) -> io::Result<()> {
    // STEP 6: write a batch, never stuck
    //   Make one text of the batch (concat) and write it: each write()
    //   takes what fits, so loop on what is left. Give each write
    //   WRITE_TIMEOUT (tokio::time::timeout): a write that makes no
    //   progress for that long is an error (TimedOut), and so is one that
    //   writes 0 bytes (WriteZero).
    // PASO 6: escribe una tanda sin atorarte
    //   Haz un solo texto de la tanda (concat) y escríbelo: cada write()
    //   toma lo que quepa, así que da vueltas sobre lo que falta. Dale a
    //   cada write WRITE_TIMEOUT (tokio::time::timeout): una escritura que
    //   no avanza en ese tiempo es un error (TimedOut), y también lo es una
    //   que escribe 0 bytes (WriteZero).

    // One text for all of them: a busy room sends many messages per
    // system call instead of one each.
    let text = batch.concat();
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        // A client that stops reading would hold its writer, and the room's
        // closing, forever: give up on a write that makes no progress for
        // WRITE_TIMEOUT. Each write() takes what fits, so a slow client that
        // keeps reading is never cut off, however long the batch.
        match tokio::time::timeout(WRITE_TIMEOUT, to_client.write(rest)).await {
            Ok(Ok(0)) => return Err(ErrorKind::WriteZero.into()),
            Ok(Ok(n)) => rest = &rest[n..],
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(ErrorKind::TimedOut.into()),
        }
    }
    Ok(())
}

/// Reads the client's lines and relays them to the others, until it says
/// goodbye, closes, breaks a rule, or its writer hangs up; then lingers.
async fn handle_client(
    room: Room,
    from_client: OwnedReadHalf,
    addr: SocketAddr,
    hang_up: CancellationToken,
) {
    // STEP 7: the reader task
    //   Lab 4's reader (gather the lines that came together, say them, stop
    //   at the goodbye, a line too long or the end, leave with the last
    //   words), through a BufReader of READ_BUFFER bytes
    //   (with_capacity), with one thing more: the writer may hang up first
    //   (it dropped a client that stopped reading), and the client may be
    //   silent; so wait (tokio::select!) for whichever comes first, a line
    //   (hear) or `hang_up` being cancelled (that is the end). After
    //   leaving the room, linger (given).
    // PASO 7: la tarea lectora
    //   El lector del lab 4 (juntar las líneas que llegaron juntas, decirlas,
    //   detenerse en la despedida, una línea demasiado larga o el final,
    //   salir con las últimas palabras), a través de un BufReader de
    //   READ_BUFFER bytes (with_capacity), con una cosa más: la escritora
    //   puede colgar primero (soltó a un cliente que dejó de leer), y el
    //   cliente puede estar callado; así que espera (tokio::select!) lo que
    //   llegue primero, una línea (hear) o que se cancele `hang_up` (ese es
    //   el final). Después de salir de la sala, espera antes de cerrar
    //   (linger, dado).
    let mut reader = BufReader::with_capacity(READ_BUFFER, from_client);
    // Lines that arrive together are relayed together: one lock, and one
    // wake-up of each writer task, for all of them.
    let mut said = String::new();
    let farewell = loop {
        // A line half read when the writer hangs up is lost: nobody would
        // hear it anyway.
        let heard = tokio::select! {
            heard = hear(&mut reader) => heard,
            () = hang_up.cancelled() => Heard::End,
        };
        match heard {
            Heard::Line(text) => said.push_str(&format!("[{addr}] {text}\n")),
            Heard::Goodbye => break Some("adios"),
            Heard::TooLong => break Some("error: line too long"),
            Heard::End => break None,
        }
        // No other whole line has arrived: relay before waiting for more.
        if !reader.buffer().contains(&b'\n') {
            say(&room, addr, &mut said);
        }
    };
    say(&room, addr, &mut said);
    leave(&room, addr, farewell);
    linger(&mut reader, &hang_up).await;
}

/// What one line from a client brought.
enum Heard {
    Line(String),
    Goodbye,
    TooLong,
    End,
}

/// Reads one line: at most MAX_LINE bytes, as printable text.
async fn hear(reader: &mut BufReader<OwnedReadHalf>) -> Heard {
    // STEP 8: read one line, with the limit
    //   Lab 4's hear, with tokio's reader: take and read_until are the
    //   same, and read_until is awaited (.await).
    // PASO 8: lee una línea, con el límite
    //   El hear del lab 4, con el lector de tokio: take y read_until son
    //   los mismos, y a read_until se le espera (.await).
    let mut line = Vec::new();
    // take() bounds what one line can make us store, newline or not
    match reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .await
    {
        Ok(0) | Err(_) => Heard::End, // closed, reset or disconnected: it left
        Ok(_) if line.len() > MAX_LINE && !line.ends_with(b"\n") => Heard::TooLong,
        Ok(_) => match printable(&text_of(&line)) {
            text if is_goodbye(&text) => Heard::Goodbye,
            text => Heard::Line(text),
        },
    }
}

/// Relays what the client said (whole lines) to the others and prints it,
/// while the client is in the room.
fn say(room: &Room, addr: SocketAddr, said: &mut String) {
    // STEP 9: in and out of the room
    //   Lab 4's say: with the room locked, and only while the client is in
    //   it, relay what it said and print it; then empty `said`.
    // PASO 9: entrar y salir de la sala
    //   El say del lab 4: con la sala tomada, y solo mientras el cliente
    //   esté en ella, reenvía lo que dijo y escríbelo; luego vacía `said`.
    if !said.is_empty() {
        let members = room.lock().unwrap();
        // Once the operator closed the room, nobody would receive the lines:
        // they are not said at all, so the transcript shows only delivered ones.
        if members.clients.contains(&addr) {
            relay(&members, said, Some(addr));
            // Printed once on the feed (and before anyone can join or leave):
            // a line the operator sees is one the shutdown will deliver.
            // (Writing to stdout blocks, briefly: a real server would log
            // through a task of its own.)
            print!("{said}");
        }
        said.clear();
    }
}

/// Takes the client out of the room, says `farewell` to it after what was
/// already said to it, and tells the others it left.
fn leave(room: &Room, addr: SocketAddr, farewell: Option<&str>) {
    // STEP 9: in and out of the room
    //   With the room locked, take the client out (if it was not in it any
    //   more, there is nothing to do). Put its last words, with their \n,
    //   on the feed (Said::Farewell for it: an empty text if it has none,
    //   so that its writer still ends), tell the others it left (relay),
    //   and print `* IP:PORT left`.
    // PASO 9: entrar y salir de la sala
    //   Con la sala tomada, saca al cliente (si ya no estaba, no hay nada
    //   que hacer). Pon sus últimas palabras, con su \n, en el canal de la
    //   sala (Said::Farewell para él: un texto vacío si no tiene, para que
    //   su escritora termine de todos modos), diles a los demás que se fue
    //   (relay) y escribe `* IP:PUERTO left`.
    let mut members = room.lock().unwrap();
    // Not in the room any more: the server is closing and said adios already.
    if !members.clients.remove(&addr) {
        return;
    }
    // Its writer sends what was said before, the farewell (nothing if it
    // left without one), and ends. (If the writer already hung up, nobody
    // reads it: harmless.)
    let text = farewell.map(|farewell| format!("{farewell}\n"));
    let farewell = Said::Farewell(Some(addr), Arc::from(text.unwrap_or_default()));
    let _ = members.feed.send(farewell);
    relay(&members, &format!("* {addr} left\n"), Some(addr));
    println!("* {addr} left");
}

/// Closes the room: every client gets `adios` after what was already said,
/// and the server waits for every task to finish, at most CLOSING.
async fn close_room(room: &Room, tasks: &TaskTracker) {
    // STEP 10: the close
    //   With the room locked, and in a block of its own (the lock must be
    //   let go before any .await): empty the room, and say `adios\n` to
    //   everyone on the feed (Said::Farewell for None), behind everything
    //   said before. Then close the tracker (no more tasks) and wait for
    //   its tasks to end (wait), for CLOSING at most.
    // PASO 10: el cierre
    //   Con la sala tomada, y en un bloque propio (el cerrojo debe soltarse
    //   antes de cualquier .await): vacía la sala y dile `adios\n` a todos
    //   por el canal de la sala (Said::Farewell para None), detrás de todo
    //   lo que se dijo antes. Luego cierra el tracker (no más tareas) y
    //   espera a que terminen sus tareas (wait), CLOSING como mucho.
    {
        let mut members = room.lock().unwrap();
        // Out of the room: what they say from now on is not relayed.
        members.clients.clear();
        // Behind everything said before it: each writer sends the rest, then
        // adios, and closes its connection, which also ends its reader task.
        let adios = Said::Farewell(None, Arc::from("adios\n"));
        let _ = members.feed.send(adios);
    } // unlocked here, before waiting: a task that leaves needs the lock
    // No more tasks will be spawned: wait() returns once they all ended.
    // A client reading at a crawl cannot hold the server: after CLOSING,
    // the tasks still running end with the runtime.
    tasks.close();
    let _ = tokio::time::timeout(CLOSING, tasks.wait()).await;
}

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
//!     terminal 1: cargo run --bin lab5_server
//!     terminals 2, 3...: cargo run --bin lab4_client

// EN: Until your steps use them, some names below (and some of the kit's
//     helpers imported from given/) are unused: the line after this
//     comment keeps the compiler quiet about them. When you finish, delete
//     it and this comment, and the compiler shows you anything left unused.
// ES: Hasta que tus pasos los usen, algunos nombres de abajo (y algunas de
//     las ayudas del kit que se importan de given/) no se usan: la línea
//     después de este comentario hace que el compilador no avise de ellos.
//     Cuando termines, bórrala junto con este comentario, y el compilador
//     te muestra lo que quede sin usar.
#![allow(dead_code, unused_imports)]

use std::collections::HashSet;
use std::io::{self, BufRead};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clap::Parser;
use tokio::io::BufReader;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
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
async fn run(_args: Args) -> anyhow::Result<()> {
    // TODO (step 1): listen, take clients in, and close the room.
    //   Listen as in lab 4, but with tokio's TcpListener (bind(...).await),
    //   and raise_open_file_limit(). Make the room: no clients yet, and a
    //   feed, broadcast::channel(FEED_LEN) (keep its Sender; the Receiver
    //   can go). Make a TaskTracker for every client's tasks, the
    //   operator's keyboard (operator()) and the Ctrl-C token (on_ctrl_c()).
    //   Then, while next_client gives one: admit it, or say why accept
    //   failed (and wait 100 ms with tokio::time::sleep unless the error is
    //   about one client only). Then drop the listener (late clients are
    //   refused), close the room, and say `closed` on stderr.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 1): escucha, recibe a los clientes y cierra la sala.
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
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 1: escucha, recibe a los clientes y cierra la sala; mira docs/es/lab5.md, paso 1 / step 1: listen, take clients in, and close the room; see docs/en/lab5.md, step 1"
    )
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
    _listener: &TcpListener,
    _keyboard: &mut Receiver<String>,
    _ctrl_c: &CancellationToken,
    _room: &Room,
) -> Option<io::Result<(TcpStream, SocketAddr)>> {
    // TODO (step 2): wait for whatever comes first.
    //   Again and again, wait for whichever comes first (tokio::select!):
    //   a client at the listener (return it); Ctrl-C (return None); or a
    //   line of the operator: the goodbye word returns None, any other
    //   line goes to everyone as `[server] text` (relay), and you wait
    //   again. Once stdin ends, keyboard.recv() gives None at once, every
    //   time: that branch must then stop taking part, or the loop spins.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 2): espera lo que llegue primero.
    //   Una y otra vez, espera lo que llegue primero (tokio::select!): un
    //   cliente en el listener (devuélvelo); Ctrl-C (devuelve None); o una
    //   línea del operador: la despedida devuelve None, cualquier otra
    //   línea va a todos como `[server] texto` (relay), y vuelves a
    //   esperar. Cuando stdin termina, keyboard.recv() da None al instante,
    //   cada vez: esa rama debe dejar de participar, o el bucle gira sin
    //   parar.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 2: espera lo que llegue primero; mira docs/es/lab5.md, paso 2 / step 2: wait for whatever comes first; see docs/en/lab5.md, step 2"
    )
}

/// Puts a new client in the room and starts its two tasks: one reads what
/// it says, one writes what the room says.
fn admit(_room: &Room, _tasks: &TaskTracker, _stream: TcpStream, _addr: SocketAddr) {
    // TODO (step 3): a client joins: its two tasks.
    //   Turn off Nagle's delay (set_nodelay: the writer sends whole
    //   batches) and split the stream into its reading and writing halves
    //   (into_split). Make a CancellationToken, `hang_up`: the writer
    //   cancels it when it ends the stream. With the room locked: subscribe
    //   to the feed (so the client hears everything from now on), spawn
    //   the writer (write_to_client) and the reader (handle_client) on the
    //   tracker, each with a clone of `hang_up`, tell the others it joined
    //   (relay), put it in the room, and print `* IP:PORT joined`.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 3): un cliente entra: sus dos tareas.
    //   Apaga el retraso de Nagle (set_nodelay: la escritora envía tandas
    //   enteras) y parte el stream en su mitad de lectura y su mitad de
    //   escritura (into_split). Haz un CancellationToken, `hang_up`: la
    //   escritora lo cancela cuando termina el flujo. Con la sala tomada:
    //   suscríbete al canal de la sala (subscribe: así el cliente oye todo
    //   desde ahora), crea la escritora (write_to_client) y la lectora
    //   (handle_client) en el tracker, cada una con un clon de `hang_up`,
    //   avisa a los demás que entró (relay), mételo en la sala y escribe
    //   `* IP:PUERTO joined`.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 3: un cliente entra: sus dos tareas; mira docs/es/lab5.md, paso 3 / step 3: a client joins: its two tasks; see docs/en/lab5.md, step 3"
    )
}

/// Puts `lines` (whole lines, each ending in `\n`) on the room's feed, for
/// every client but `from`. It never waits: the room is locked.
fn relay(_members: &Members, _lines: &str, _from: Option<SocketAddr>) {
    // TODO (step 3): a client joins: its two tasks.
    //   Send the lines on the feed, once, for everyone: Said::Lines with
    //   `from` and the text (an Arc<str>). send() fails only when nobody is
    //   listening: nobody to tell.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 3): un cliente entra: sus dos tareas.
    //   Envía las líneas por el canal de la sala, una vez, para todos:
    //   Said::Lines con `from` y el texto (un Arc<str>). send() solo falla
    //   cuando nadie escucha: no hay a quién avisarle.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 3: un cliente entra: sus dos tareas; mira docs/es/lab5.md, paso 3 / step 3: a client joins: its two tasks; see docs/en/lab5.md, step 3"
    )
}

/// Sends the client what the room says, until its last words (or until it
/// falls too far behind, or a write fails); then ends the stream (FIN) and
/// tells its reader task, which lingers before the socket closes.
async fn write_to_client(
    _to_client: OwnedWriteHalf,
    _feed: broadcast::Receiver<Said>,
    _me: SocketAddr,
    _hang_up: CancellationToken,
) {
    // TODO (step 4): the writer task.
    //   Send the client the feed (send_feed; when it fails, the client
    //   fell behind or a write failed: that is the end too). Then end the
    //   stream (shutdown().await on the writing half: a half-close) and
    //   cancel `hang_up`, so that the reader task stops and lingers.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 4): la tarea escritora.
    //   Envíale al cliente el canal de la sala (send_feed; cuando falla, el
    //   cliente se quedó atrás o falló una escritura: también es el final).
    //   Luego termina el flujo (shutdown().await sobre la mitad de
    //   escritura: un semicierre) y cancela `hang_up`, para que la tarea
    //   lectora se detenga y espere antes de cerrar.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 4: la tarea escritora; mira docs/es/lab5.md, paso 4 / step 4: the writer task; see docs/en/lab5.md, step 4"
    )
}

/// Sends the client, in batches, what the room says for it, up to its last
/// words; fails if it falls FEED_LEN messages behind, or if a write fails.
async fn send_feed(
    _to_client: &mut OwnedWriteHalf,
    _feed: &mut broadcast::Receiver<Said>,
    _me: SocketAddr,
) -> io::Result<()> {
    // TODO (step 4): the writer task.
    //   Again and again: wait for the next thing said (feed.recv().await;
    //   an error means the client fell FEED_LEN messages behind: return
    //   the `lagged` error), gather a batch from it (gather), write the
    //   batch if it holds anything (write_batch), and return once it held
    //   the client's last words.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 4): la tarea escritora.
    //   Una y otra vez: espera lo siguiente que se diga (feed.recv().await;
    //   un error quiere decir que el cliente se quedó FEED_LEN mensajes
    //   atrás: devuelve el error `lagged`), junta una tanda a partir de ello
    //   (gather), escribe la tanda si tiene algo (write_batch) y regresa
    //   cuando traía las últimas palabras del cliente.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 4: la tarea escritora; mira docs/es/lab5.md, paso 4 / step 4: the writer task; see docs/en/lab5.md, step 4"
    )
}

/// The error of a client that fell too far behind the room's feed.
fn lagged() -> io::Error {
    io::Error::other("fell too far behind")
}

/// What is for client `me` in `first` and in everything already said after
/// it, up to BATCH_BYTES: the texts to send, and whether its last words are
/// among them. Fails if the client fell FEED_LEN messages behind.
fn gather(
    _first: Said,
    _feed: &mut broadcast::Receiver<Said>,
    _me: SocketAddr,
) -> io::Result<(Vec<Arc<str>>, bool)> {
    // TODO (step 5): a batch of what the room said.
    //   Starting from `first`, take what is for this client: lines not its
    //   own (Lines whose `from` is not `me`), and last words for it or for
    //   everyone (Farewell whose `to` is None or `me`: they end the batch,
    //   and it is the last). Keep taking what is already waiting
    //   (try_recv, which never waits) until nothing is (Empty: tokio's
    //   broadcast::error::TryRecvError, not std's), or the batch holds
    //   BATCH_BYTES; another error of try_recv is `lagged`.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 5): una tanda de lo que dijo la sala.
    //   Empezando por `first`, toma lo que es para este cliente: las líneas
    //   que no son suyas (Lines cuyo `from` no es `me`) y las últimas
    //   palabras para él o para todos (Farewell cuyo `to` es None o `me`:
    //   terminan la tanda, y es la última). Sigue tomando lo que ya está
    //   esperando (try_recv, que nunca espera) hasta que no haya nada
    //   (Empty: el TryRecvError de tokio::sync::broadcast::error, no el de
    //   std) o la tanda tenga BATCH_BYTES; otro error de try_recv es
    //   `lagged`.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 5: una tanda de lo que dijo la sala; mira docs/es/lab5.md, paso 5 / step 5: a batch of what the room said; see docs/en/lab5.md, step 5"
    )
}

/// Sends `batch` to the client, as few writes as it takes, or fails.
async fn write_batch(_to_client: &mut OwnedWriteHalf, _batch: &[Arc<str>]) -> io::Result<()> {
    // TODO (step 6): write a batch, never stuck.
    //   Make one text of the batch (concat) and write it: each write()
    //   takes what fits, so loop on what is left. Give each write
    //   WRITE_TIMEOUT (tokio::time::timeout): a write that makes no
    //   progress for that long is an error (TimedOut), and so is one that
    //   writes 0 bytes (WriteZero).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): escribe una tanda sin atorarte.
    //   Haz un solo texto de la tanda (concat) y escríbelo: cada write()
    //   toma lo que quepa, así que da vueltas sobre lo que falta. Dale a
    //   cada write WRITE_TIMEOUT (tokio::time::timeout): una escritura que
    //   no avanza en ese tiempo es un error (TimedOut), y también lo es una
    //   que escribe 0 bytes (WriteZero).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: escribe una tanda sin atorarte; mira docs/es/lab5.md, paso 6 / step 6: write a batch, never stuck; see docs/en/lab5.md, step 6"
    )
}

/// Reads the client's lines and relays them to the others, until it says
/// goodbye, closes, breaks a rule, or its writer hangs up; then lingers.
async fn handle_client(
    _room: Room,
    _from_client: OwnedReadHalf,
    _addr: SocketAddr,
    _hang_up: CancellationToken,
) {
    // TODO (step 7): the reader task.
    //   Lab 4's reader (gather the lines that came together, say them, stop
    //   at the goodbye, a line too long or the end, leave with the last
    //   words), through a BufReader of READ_BUFFER bytes
    //   (with_capacity), with one thing more: the writer may hang up first
    //   (it dropped a client that stopped reading), and the client may be
    //   silent; so wait (tokio::select!) for whichever comes first, a line
    //   (hear) or `hang_up` being cancelled (that is the end). After
    //   leaving the room, linger (given).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 7): la tarea lectora.
    //   El lector del lab 4 (juntar las líneas que llegaron juntas, decirlas,
    //   detenerse en la despedida, una línea demasiado larga o el final,
    //   salir con las últimas palabras), a través de un BufReader de
    //   READ_BUFFER bytes (with_capacity), con una cosa más: la escritora
    //   puede colgar primero (soltó a un cliente que dejó de leer), y el
    //   cliente puede estar callado; así que espera (tokio::select!) lo que
    //   llegue primero, una línea (hear) o que se cancele `hang_up` (ese es
    //   el final). Después de salir de la sala, espera antes de cerrar
    //   (linger, dado).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 7: la tarea lectora; mira docs/es/lab5.md, paso 7 / step 7: the reader task; see docs/en/lab5.md, step 7"
    )
}

/// What one line from a client brought.
enum Heard {
    Line(String),
    Goodbye,
    TooLong,
    End,
}

/// Reads one line: at most MAX_LINE bytes, as printable text.
async fn hear(_reader: &mut BufReader<OwnedReadHalf>) -> Heard {
    // TODO (step 8): read one line, with the limit.
    //   Lab 4's hear, with tokio's reader: take and read_until are the
    //   same, and read_until is awaited (.await).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 8): lee una línea, con el límite.
    //   El hear del lab 4, con el lector de tokio: take y read_until son
    //   los mismos, y a read_until se le espera (.await).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 8: lee una línea, con el límite; mira docs/es/lab5.md, paso 8 / step 8: read one line, with the limit; see docs/en/lab5.md, step 8"
    )
}

/// Relays what the client said (whole lines) to the others and prints it,
/// while the client is in the room.
fn say(_room: &Room, _addr: SocketAddr, _said: &mut String) {
    // TODO (step 9): in and out of the room.
    //   Lab 4's say: with the room locked, and only while the client is in
    //   it, relay what it said and print it; then empty `said`.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 9): entrar y salir de la sala.
    //   El say del lab 4: con la sala tomada, y solo mientras el cliente
    //   esté en ella, reenvía lo que dijo y escríbelo; luego vacía `said`.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 9: entrar y salir de la sala; mira docs/es/lab5.md, paso 9 / step 9: in and out of the room; see docs/en/lab5.md, step 9"
    )
}

/// Takes the client out of the room, says `farewell` to it after what was
/// already said to it, and tells the others it left.
fn leave(_room: &Room, _addr: SocketAddr, _farewell: Option<&str>) {
    // TODO (step 9): in and out of the room.
    //   With the room locked, take the client out (if it was not in it any
    //   more, there is nothing to do). Put its last words, with their \n,
    //   on the feed (Said::Farewell for it: an empty text if it has none,
    //   so that its writer still ends), tell the others it left (relay),
    //   and print `* IP:PORT left`.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 9): entrar y salir de la sala.
    //   Con la sala tomada, saca al cliente (si ya no estaba, no hay nada
    //   que hacer). Pon sus últimas palabras, con su \n, en el canal de la
    //   sala (Said::Farewell para él: un texto vacío si no tiene, para que
    //   su escritora termine de todos modos), diles a los demás que se fue
    //   (relay) y escribe `* IP:PUERTO left`.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 9: entrar y salir de la sala; mira docs/es/lab5.md, paso 9 / step 9: in and out of the room; see docs/en/lab5.md, step 9"
    )
}

/// Closes the room: every client gets `adios` after what was already said,
/// and the server waits for every task to finish, at most CLOSING.
async fn close_room(_room: &Room, _tasks: &TaskTracker) {
    // TODO (step 10): the close.
    //   With the room locked, and in a block of its own (the lock must be
    //   let go before any .await): empty the room, and say `adios\n` to
    //   everyone on the feed (Said::Farewell for None), behind everything
    //   said before. Then close the tracker (no more tasks) and wait for
    //   its tasks to end (wait), for CLOSING at most.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 10): el cierre.
    //   Con la sala tomada, y en un bloque propio (el cerrojo debe soltarse
    //   antes de cualquier .await): vacía la sala y dile `adios\n` a todos
    //   por el canal de la sala (Said::Farewell para None), detrás de todo
    //   lo que se dijo antes. Luego cierra el tracker (no más tareas) y
    //   espera a que terminen sus tareas (wait), CLOSING como mucho.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 10: el cierre; mira docs/es/lab5.md, paso 10 / step 10: the close; see docs/en/lab5.md, step 10"
    )
}

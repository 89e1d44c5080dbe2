//! Lab 4: a chat room with many clients at once, and an "adios" that loses nothing.
//!
//! EN: Every client gets a thread that reads its lines and relays each one to
//!     every other client, through a queue and a writer thread of its own, so
//!     that a client that stops reading never holds up the rest. The operator
//!     types on the server's keyboard; `adios` there closes the room cleanly:
//!     everyone gets every pending line, then `adios`. Walkthrough: docs/en/lab4.md
//! ES: Cada cliente tiene un hilo que lee sus líneas y las reenvía a todos los
//!     demás, a través de una cola y un hilo escritor propios, para que un
//!     cliente que deja de leer no frene al resto. El operador escribe en el
//!     teclado del servidor; `adios` allí cierra la sala limpiamente: todos
//!     reciben cada línea pendiente y luego `adios`. Guía: docs/es/lab4.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab4_server
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

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use clap::Parser;
// The kit's helpers (given/): what the contract needs and this lab does not
// teach. Read them there.
use given::close::CLOSING;
use given::{
    MAX_LINE, is_about_one_client, is_goodbye, linger, printable, raise_open_file_limit, text_of,
    wake_accept,
};

/// How many messages (a line, or lines that came together) a client may
/// fall behind before the room drops it.
const QUEUE_LEN: usize = 1024;
/// How long one write to a client may stay stuck before the room drops it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// A client's threads keep their buffers on the heap: a small stack (the
/// default is 2 MiB) lets thousands of them fit in little memory.
const STACK_SIZE: usize = 256 * 1024;

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

/// A client as the room sees it: the queue of messages waiting to be sent
/// to it (None once it fell too far behind).
struct Client {
    queue: Option<SyncSender<Arc<str>>>,
}

/// Everyone in the room, by address, shared by every thread.
type Room = Arc<Mutex<HashMap<SocketAddr, Client>>>;

fn main() -> ExitCode {
    // A failure is news for the user, not a bug in the program: say what
    // failed in one line, never with a backtrace (even with RUST_BACKTRACE=1).
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The program itself: each `?` hands a failure, with what was being done
/// (the context), to main.
fn run(_args: Args) -> anyhow::Result<()> {
    // TODO (step 1): listen, take clients in, and close the room.
    //   Listen on `args.host:args.port` as in lab 2 (the `listening on`
    //   line with the address really bound: keep it, its port is needed
    //   below), then raise_open_file_limit(). Make an empty Room and a
    //   `closing` flag (Arc<AtomicBool>), and start the operator's thread
    //   with clones of both and the listening address. Make an mpsc
    //   channel of () whose Sender (`alive`) every client's writer will
    //   hold a clone of. Take clients in (accept_clients) until the
    //   operator says adios; then close_room, join the operator's thread,
    //   and say `closed` on stderr.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 1): escucha, recibe a los clientes y cierra la sala.
    //   Escucha en `args.host:args.port` como en el lab 2 (la línea
    //   `listening on` con la dirección de verdad enlazada: guárdala, su
    //   puerto hace falta abajo), y luego raise_open_file_limit(). Haz una
    //   Room vacía y una bandera `closing` (Arc<AtomicBool>), y lanza el
    //   hilo del operador con clones de las dos y la dirección de escucha.
    //   Haz un canal mpsc de () de cuyo Sender (`alive`) cada escritor de
    //   un cliente tendrá un clon. Recibe a los clientes (accept_clients)
    //   hasta que el operador diga adios; después close_room, espera (join)
    //   al hilo del operador y di `closed` en stderr.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 1: escucha, recibe a los clientes y cierra la sala; mira docs/es/lab4.md, paso 1 / step 1: listen, take clients in, and close the room; see docs/en/lab4.md, step 1"
    )
}

/// Admits every client that connects, until the operator closes the room.
fn accept_clients(
    _listener: &TcpListener,
    _room: &Room,
    _closing: &AtomicBool,
    _alive: &Sender<()>,
) {
    // TODO (step 2): take every client in.
    //   For each connection that comes (incoming()): stop if the `closing`
    //   flag is up (the operator's wake-up call, or a client too late).
    //   Admit each client (admit); if that fails, say so on stderr and go
    //   on. If accept itself fails, say so; and unless the error is about
    //   one client only (is_about_one_client), wait 100 ms before the next
    //   accept: the system is out of file descriptors.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 2): recibe a cada cliente.
    //   Por cada conexión que llega (incoming()): detente si la bandera
    //   `closing` está arriba (el despertador del operador, o un cliente que
    //   llegó tarde). Admite a cada cliente (admit); si falla, dilo en stderr
    //   y sigue. Si falla el accept mismo, dilo; y si el error no es de un
    //   solo cliente (is_about_one_client), espera 100 ms antes del
    //   siguiente accept: al sistema se le acabaron los descriptores.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 2: recibe a cada cliente; mira docs/es/lab4.md, paso 2 / step 2: take every client in; see docs/en/lab4.md, step 2"
    )
}

impl Client {
    /// Queues a message for this client, never waiting. A client that is
    /// QUEUE_LEN messages behind is not reading: its queue is closed, so its
    /// writer sends what is already in it and then takes it out of the room.
    fn send(&mut self, _message: Arc<str>) {
        // TODO (step 3): the relay.
        //   Queue the message without waiting (try_send). If the queue is
        //   full, the client is not reading: drop the queue (set it to
        //   None), and its writer sends what it holds and ends. A client
        //   whose queue is gone gets nothing more.
        //   (Drop the `_` from a parameter's name when you use it.)
        // TODO (paso 3): el reenvío.
        //   Encola el mensaje sin esperar (try_send). Si la cola está llena,
        //   el cliente no está leyendo: suelta la cola (ponla en None), y su
        //   escritor envía lo que tiene y termina. Un cliente sin cola ya no
        //   recibe nada.
        //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
        todo!(
            "paso 3: el reenvío; mira docs/es/lab4.md, paso 3 / step 3: the relay; see docs/en/lab4.md, step 3"
        )
    }
}

/// Queues `lines` (whole lines, each ending in `\n`) for every client but
/// `from`. It only queues, never writes: the room is locked, and a client
/// that does not read would keep it locked for everyone.
fn relay(_clients: &mut HashMap<SocketAddr, Client>, _lines: &str, _from: Option<SocketAddr>) {
    // TODO (step 3): the relay.
    //   Make one Arc<str> of the lines, and send a clone of it to every
    //   client but `from` (Client::send).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 3): el reenvío.
    //   Haz un solo Arc<str> de las líneas, y envíale un clon a cada cliente
    //   menos a `from` (Client::send).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 3: el reenvío; mira docs/es/lab4.md, paso 3 / step 3: the relay; see docs/en/lab4.md, step 3"
    )
}

/// Puts a new client in the room and starts its two threads: one reads
/// what it says, one writes what the others say. The writer holds a clone
/// of `alive` until the end, so the room's close can wait for it.
fn admit(_room: &Room, _stream: TcpStream, _alive: &Sender<()>) -> io::Result<()> {
    // TODO (step 4): a client's two threads.
    //   Take the client's address (peer_addr) and give its stream a write
    //   timeout (WRITE_TIMEOUT). Put the stream in an Arc (both threads
    //   share it) and make its queue: sync_channel(QUEUE_LEN). With the
    //   room locked: spawn the writer (write_to_client; it holds a clone
    //   of `alive` until it ends) and the reader (handle_client), tell the
    //   room it joined (relay `* IP:PORT joined`), put it in the room, and
    //   print the same line on stdout. Spawn with the given `spawn`.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 4): los dos hilos de un cliente.
    //   Toma la dirección del cliente (peer_addr) y ponle a su stream un
    //   plazo de escritura (WRITE_TIMEOUT). Mete el stream en un Arc (los
    //   dos hilos lo comparten) y haz su cola: sync_channel(QUEUE_LEN). Con
    //   la sala tomada: lanza el escritor (write_to_client; tiene un clon de
    //   `alive` hasta que termina) y el lector (handle_client), avisa a la
    //   sala que entró (relay de `* IP:PUERTO joined`), mételo en la sala, y
    //   escribe esa misma línea en stdout. Lanza los hilos con el `spawn`
    //   dado.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 4: los dos hilos de un cliente; mira docs/es/lab4.md, paso 4 / step 4: a client's two threads; see docs/en/lab4.md, step 4"
    )
}

/// thread::spawn with a small stack, and an error instead of a panic when
/// the system cannot start one more thread.
fn spawn(work: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    thread::Builder::new().stack_size(STACK_SIZE).spawn(work)
}

/// Sends the client every message queued for it, until the room closes the
/// queue (or a write fails); then ends the stream: the client reads every
/// byte sent, then the end (FIN). Then it lingers, before the socket closes.
fn write_to_client(
    _room: &Room,
    _addr: SocketAddr,
    _stream: &TcpStream,
    _outgoing: Receiver<Arc<str>>,
) {
    // TODO (step 5): the writer.
    //   Send the client its queue (send_queued; if a write fails, that is
    //   the end too). Then take it out of the room if it still is (leave,
    //   with no last words: it fell behind, or a write failed), end the
    //   stream with a half-close (as in lab 3), and linger (given).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 5): el escritor.
    //   Envíale al cliente su cola (send_queued; si una escritura falla,
    //   también es el final). Luego sácalo de la sala si todavía está
    //   (leave, sin últimas palabras: se quedó atrás, o falló una
    //   escritura), termina el flujo con un semicierre (como en el lab 3) y
    //   espera antes de cerrar (linger, dado).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 5: el escritor; mira docs/es/lab4.md, paso 5 / step 5: the writer; see docs/en/lab4.md, step 5"
    )
}

/// Writes every message of the queue to the client, until the room closes
/// the queue and nothing is left; fails when a write does.
fn send_queued(_stream: &TcpStream, _outgoing: &Receiver<Arc<str>>) -> io::Result<()> {
    // TODO (step 5): the writer.
    //   Take messages from the queue (recv() waits for one, and fails once
    //   the room dropped the queue and it is empty) and write them through
    //   a BufWriter of the stream; flush only once the queue is empty
    //   (try_iter takes what is already there), so that a busy room sends
    //   many messages per write().
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 5): el escritor.
    //   Toma mensajes de la cola (recv() espera uno, y falla cuando la sala
    //   soltó la cola y está vacía) y escríbelos a través de un BufWriter
    //   del stream; haz flush solo cuando la cola esté vacía (try_iter toma
    //   lo que ya está ahí), para que una sala ocupada envíe muchos mensajes
    //   por cada write().
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 5: el escritor; mira docs/es/lab4.md, paso 5 / step 5: the writer; see docs/en/lab4.md, step 5"
    )
}

/// Reads the client's lines and relays them to the others, until it says
/// goodbye, closes, or breaks a rule. (Its writer lingers: the socket stays
/// open, and read, until the client has read everything.)
fn handle_client(_room: &Room, _stream: &TcpStream, _addr: SocketAddr) {
    // TODO (step 6): the reader.
    //   Hear the client's lines through a BufReader of the stream, and say
    //   each one to the room as `[IP:PORT] text\n` (say). Lines that came
    //   together are said together: gather them in a String, and say it
    //   once no other whole line waits in the reader's buffer (buffer()).
    //   Stop at the goodbye word (last words: `adios`), a line too long
    //   (`error: line too long`) or the end (none); say what is gathered,
    //   and leave the room with those last words.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): el lector.
    //   Escucha las líneas del cliente a través de un BufReader del stream,
    //   y dile cada una a la sala como `[IP:PUERTO] texto\n` (say). Las líneas
    //   que llegaron juntas se dicen juntas: júntalas en un String, y dilo
    //   cuando no quede otra línea entera en el búfer del lector (buffer()).
    //   Detente en la despedida (últimas palabras: `adios`), una línea
    //   demasiado larga (`error: line too long`) o el final (ninguna); di lo
    //   que juntaste, y sal de la sala con esas últimas palabras.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: el lector; mira docs/es/lab4.md, paso 6 / step 6: the reader; see docs/en/lab4.md, step 6"
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
fn hear(_reader: &mut BufReader<&TcpStream>) -> Heard {
    // TODO (step 7): read one line, with the limit.
    //   As read_line does in lab 2 (take, read_until), and say what it
    //   brought: the end (nothing read, or an error: the client closed,
    //   reset or vanished), a line too long (more than MAX_LINE bytes and
    //   no \n), the goodbye word, or a line: its text, printable (text_of,
    //   then printable: no control characters reach the others).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 7): lee una línea, con el límite.
    //   Como lo hace read_line en el lab 2 (take, read_until), y di qué
    //   trajo: el final (no leyó nada, o un error: el cliente cerró, mandó
    //   un reset o desapareció), una línea demasiado larga (más de MAX_LINE
    //   bytes y sin \n), la palabra de despedida, o una línea: su texto,
    //   imprimible (text_of y luego printable: ningún carácter de control
    //   llega a los demás).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 7: lee una línea, con el límite; mira docs/es/lab4.md, paso 7 / step 7: read one line, with the limit; see docs/en/lab4.md, step 7"
    )
}

/// Relays what the client said (whole lines) to the others and prints it,
/// while the client is in the room.
fn say(_room: &Room, _addr: SocketAddr, _said: &mut String) {
    // TODO (step 8): in and out of the room.
    //   If `said` holds anything: with the room locked, and only if the
    //   client is still in it, relay it to the others and print it on
    //   stdout (the transcript: a line printed is a line queued for
    //   everyone). Then empty `said`.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 8): entrar y salir de la sala.
    //   Si `said` tiene algo: con la sala tomada, y solo si el cliente
    //   sigue en ella, reenvíaselo a los demás y escríbelo en stdout (la
    //   transcripción: una línea escrita es una línea encolada para todos).
    //   Luego vacía `said`.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 8: entrar y salir de la sala; mira docs/es/lab4.md, paso 8 / step 8: in and out of the room; see docs/en/lab4.md, step 8"
    )
}

/// Takes the client out of the room, says `farewell` to it after what is
/// already queued for it, and tells the others it left.
fn leave(_room: &Room, _addr: SocketAddr, _farewell: Option<&str>) {
    // TODO (step 8): in and out of the room.
    //   With the room locked, take the client out (remove); if it was not
    //   in it any more, there is nothing to do. Send it its last words if
    //   any (behind what is already queued), tell the others
    //   `* IP:PORT left`, and print that line on stdout. Dropping the
    //   client drops its queue: its writer sends the rest and ends.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 8): entrar y salir de la sala.
    //   Con la sala tomada, saca al cliente (remove); si ya no estaba, no
    //   hay nada que hacer. Envíale sus últimas palabras si las hay (detrás
    //   de lo que ya tiene encolado), diles a los demás `* IP:PUERTO left` y
    //   escribe esa línea en stdout. Soltar al cliente suelta su cola: su
    //   escritor envía lo que queda y termina.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 8: entrar y salir de la sala; mira docs/es/lab4.md, paso 8 / step 8: in and out of the room; see docs/en/lab4.md, step 8"
    )
}

/// Reads the operator's lines: each one goes to every client as
/// `[server] text`; the goodbye word closes the server.
fn operator(room: &Room, closing: &AtomicBool, local: SocketAddr) {
    for line in io::stdin().lock().split(b'\n') {
        let Ok(line) = line else { break };
        let text = printable(&text_of(&line));
        if is_goodbye(&text) {
            stop_accepting(closing, local);
            return;
        }
        let line = format!("[server] {text}\n");
        relay(&mut room.lock().unwrap(), &line, None);
    }
    // The end of stdin only ends the operator's lines: the room stays open.
}

/// Tells main to stop accepting clients, and wakes it from accept().
fn stop_accepting(_closing: &AtomicBool, _local: SocketAddr) {
    // TODO (step 9): the close.
    //   Raise the `closing` flag (accept_clients checks it after every
    //   accept), then wake the accept loop, blocked in accept() until a
    //   client comes: wake_accept (given) connects to the listener.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 9): el cierre.
    //   Sube la bandera `closing` (accept_clients la revisa después de cada
    //   accept) y luego despierta al bucle de accept, bloqueado en accept()
    //   hasta que llegue un cliente: wake_accept (dado) se conecta al
    //   listener.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 9: el cierre; mira docs/es/lab4.md, paso 9 / step 9: the close; see docs/en/lab4.md, step 9"
    )
}

/// Closes the room: every client gets `adios` after the lines already
/// queued for it, and the server waits for every writer to finish, at
/// most CLOSING.
fn close_room(_room: &Room, _alive: Sender<()>, _all_ended: &Receiver<()>) {
    // TODO (step 9): the close.
    //   Take every client out of the room (drain the map) and send each
    //   one `adios\n`: it goes behind the lines already queued for it, and
    //   dropping the client ends its writer. Let go of the room's lock
    //   before you wait (each writer takes it to leave). Drop `alive`, your
    //   own Sender, then wait on `all_ended` for CLOSING at most
    //   (recv_timeout): it returns once every writer has dropped its clone.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 9): el cierre.
    //   Saca a todos los clientes de la sala (drain del mapa) y envíale a
    //   cada uno `adios\n`: va detrás de las líneas que ya tiene encoladas,
    //   y soltar al cliente termina su escritor. Suelta el cerrojo de la
    //   sala antes de esperar (cada escritor lo toma para salir). Suelta
    //   `alive`, tu propio Sender, y luego espera en `all_ended` CLOSING como
    //   mucho (recv_timeout): regresa cuando todos los escritores soltaron
    //   su clon.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 9: el cierre; mira docs/es/lab4.md, paso 9 / step 9: the close; see docs/en/lab4.md, step 9"
    )
}

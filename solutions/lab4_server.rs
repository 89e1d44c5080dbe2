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
//!     terminal 1: cargo run --features solutions --bin lab4_server_sol
//!     terminals 2, 3...: cargo run --features solutions --bin lab4_client_sol

use std::collections::HashMap;
use std::io::Read; // step 7
use std::io::{self, BufRead, BufReader};
use std::io::{BufWriter, Write}; // step 5
use std::net::Shutdown; // step 5
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::TrySendError; // step 3
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::Context; // step 1
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
fn run(args: Args) -> anyhow::Result<()> {
    // STEP 1: listen, take clients in, and close the room
    //   Listen on `args.host:args.port` as in lab 2 (the `listening on`
    //   line with the address really bound: keep it, its port is needed
    //   below), then raise_open_file_limit(). Make an empty Room and a
    //   `closing` flag (Arc<AtomicBool>), and start the operator's thread
    //   with clones of both and the listening address. Make an mpsc
    //   channel of () whose Sender (`alive`) every client's writer will
    //   hold a clone of. Take clients in (accept_clients) until the
    //   operator says adios; then close_room, join the operator's thread,
    //   and say `closed` on stderr.
    // PASO 1: escucha, recibe a los clientes y cierra la sala
    //   Escucha en `args.host:args.port` como en el lab 2 (la línea
    //   `listening on` con la dirección de verdad enlazada: guárdala, su
    //   puerto hace falta abajo), y luego raise_open_file_limit(). Haz una
    //   Room vacía y una bandera `closing` (Arc<AtomicBool>), y lanza el
    //   hilo del operador con clones de las dos y la dirección de escucha.
    //   Haz un canal mpsc de () de cuyo Sender (`alive`) cada escritor de
    //   un cliente tendrá un clon. Recibe a los clientes (accept_clients)
    //   hasta que el operador diga adios; después close_room, espera (join)
    //   al hilo del operador y di `closed` en stderr.
    let addr = format!("{}:{}", args.host, args.port);
    let listener =
        TcpListener::bind(&addr).with_context(|| format!("could not listen on {addr}"))?;
    let local = listener.local_addr()?;
    // the tests read this line: keep it
    eprintln!("listening on {local}");
    raise_open_file_limit();

    let room = Room::default();
    let closing = Arc::new(AtomicBool::new(false));
    let operator = {
        let (room, closing) = (Arc::clone(&room), Arc::clone(&closing));
        thread::spawn(move || operator(&room, &closing, local))
    };
    // Every client's writer thread holds a clone of `alive`: once they have
    // all ended, `all_ended.recv()` fails (nobody ever sends on it).
    let (alive, all_ended) = mpsc::channel::<()>();
    accept_clients(&listener, &room, &closing, &alive);
    close_room(&room, alive, &all_ended);
    let _ = operator.join();
    eprintln!("closed");
    Ok(())
}

/// Admits every client that connects, until the operator closes the room.
fn accept_clients(listener: &TcpListener, room: &Room, closing: &AtomicBool, alive: &Sender<()>) {
    // STEP 2: take every client in
    //   For each connection that comes (incoming()): stop if the `closing`
    //   flag is up (the operator's wake-up call, or a client too late).
    //   Admit each client (admit); if that fails, say so on stderr and go
    //   on. If accept itself fails, say so; and unless the error is about
    //   one client only (is_about_one_client), wait 100 ms before the next
    //   accept: the system is out of file descriptors.
    // PASO 2: recibe a cada cliente
    //   Por cada conexión que llega (incoming()): detente si la bandera
    //   `closing` está arriba (el despertador del operador, o un cliente que
    //   llegó tarde). Admite a cada cliente (admit); si falla, dilo en stderr
    //   y sigue. Si falla el accept mismo, dilo; y si el error no es de un
    //   solo cliente (is_about_one_client), espera 100 ms antes del
    //   siguiente accept: al sistema se le acabaron los descriptores.
    for stream in listener.incoming() {
        if closing.load(Ordering::SeqCst) {
            break; // the operator's wake-up call (or a client too late to join)
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("error: could not accept a client: {e}");
                // Out of file descriptors (or memory), accept() would fail
                // again at once: give the system a moment. A client that
                // was gone before we took it is no reason to wait.
                if !is_about_one_client(&e) {
                    thread::sleep(Duration::from_millis(100));
                }
                continue;
            }
        };
        // One client's trouble (it reset as it connected): the next one
        // is accepted at once.
        if let Err(e) = admit(room, stream, alive) {
            eprintln!("error: could not admit a client: {e}");
        }
    }
}

impl Client {
    /// Queues a message for this client, never waiting. A client that is
    /// QUEUE_LEN messages behind is not reading: its queue is closed, so its
    /// writer sends what is already in it and then takes it out of the room.
    fn send(&mut self, message: Arc<str>) {
        // STEP 3: the relay
        //   Queue the message without waiting (try_send). If the queue is
        //   full, the client is not reading: drop the queue (set it to
        //   None), and its writer sends what it holds and ends. A client
        //   whose queue is gone gets nothing more.
        // PASO 3: el reenvío
        //   Encola el mensaje sin esperar (try_send). Si la cola está llena,
        //   el cliente no está leyendo: suelta la cola (ponla en None), y su
        //   escritor envía lo que tiene y termina. Un cliente sin cola ya no
        //   recibe nada.
        let Some(queue) = &self.queue else {
            return; // dropped already
        };
        if let Err(TrySendError::Full(_)) = queue.try_send(message) {
            self.queue = None;
        }
    }
}

/// Queues `lines` (whole lines, each ending in `\n`) for every client but
/// `from`. It only queues, never writes: the room is locked, and a client
/// that does not read would keep it locked for everyone.
fn relay(clients: &mut HashMap<SocketAddr, Client>, lines: &str, from: Option<SocketAddr>) {
    // STEP 3: the relay
    //   Make one Arc<str> of the lines, and send a clone of it to every
    //   client but `from` (Client::send).
    // PASO 3: el reenvío
    //   Haz un solo Arc<str> de las líneas, y envíale un clon a cada cliente
    //   menos a `from` (Client::send).

    // One copy of the text for every queue: cloning an Arc copies a pointer.
    let lines: Arc<str> = Arc::from(lines);
    for (addr, client) in clients {
        if Some(*addr) != from {
            client.send(Arc::clone(&lines));
        }
    }
}

/// Puts a new client in the room and starts its two threads: one reads
/// what it says, one writes what the others say. The writer holds a clone
/// of `alive` until the end, so the room's close can wait for it.
fn admit(room: &Room, stream: TcpStream, alive: &Sender<()>) -> io::Result<()> {
    // STEP 4: a client's two threads
    //   Take the client's address (peer_addr) and give its stream a write
    //   timeout (WRITE_TIMEOUT). Put the stream in an Arc (both threads
    //   share it) and make its queue: sync_channel(QUEUE_LEN). With the
    //   room locked: spawn the writer (write_to_client; it holds a clone
    //   of `alive` until it ends) and the reader (handle_client), tell the
    //   room it joined (relay `* IP:PORT joined`), put it in the room, and
    //   print the same line on stdout. Spawn with the given `spawn`.
    // PASO 4: los dos hilos de un cliente
    //   Toma la dirección del cliente (peer_addr) y ponle a su stream un
    //   plazo de escritura (WRITE_TIMEOUT). Mete el stream en un Arc (los
    //   dos hilos lo comparten) y haz su cola: sync_channel(QUEUE_LEN). Con
    //   la sala tomada: lanza el escritor (write_to_client; tiene un clon de
    //   `alive` hasta que termina) y el lector (handle_client), avisa a la
    //   sala que entró (relay de `* IP:PUERTO joined`), mételo en la sala, y
    //   escribe esa misma línea en stdout. Lanza los hilos con el `spawn`
    //   dado.
    let addr = stream.peer_addr()?;
    // A client that stops reading: write() gives up after WRITE_TIMEOUT.
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    // One socket shared by both threads (one file descriptor).
    let stream = Arc::new(stream);
    let (queue, outgoing) = mpsc::sync_channel(QUEUE_LEN);
    // lock() fails only if a thread panicked while holding it: a bug, not a client
    let mut clients = room.lock().unwrap();
    // Started while we hold the lock: the client cannot speak before the
    // room knows it. If a spawn fails, the client is simply closed.
    let (to_client, room_of_writer, alive) = (Arc::clone(&stream), Arc::clone(room), alive.clone());
    spawn(move || {
        write_to_client(&room_of_writer, addr, &to_client, outgoing);
        drop(alive);
    })?;
    let room_of_reader = Arc::clone(room);
    spawn(move || handle_client(&room_of_reader, &stream, addr))?;
    relay(&mut clients, &format!("* {addr} joined\n"), None);
    clients.insert(addr, Client { queue: Some(queue) });
    // The transcript on stdout: from this line on, the client hears the room.
    println!("* {addr} joined");
    Ok(())
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
    room: &Room,
    addr: SocketAddr,
    stream: &TcpStream,
    outgoing: Receiver<Arc<str>>,
) {
    // STEP 5: the writer
    //   Send the client its queue (send_queued; if a write fails, that is
    //   the end too). Then take it out of the room if it still is (leave,
    //   with no last words: it fell behind, or a write failed), end the
    //   stream with a half-close (as in lab 3), and linger (given).
    // PASO 5: el escritor
    //   Envíale al cliente su cola (send_queued; si una escritura falla,
    //   también es el final). Luego sácalo de la sala si todavía está
    //   (leave, sin últimas palabras: se quedó atrás, o falló una
    //   escritura), termina el flujo con un semicierre (como en el lab 3) y
    //   espera antes de cerrar (linger, dado).
    let _ = send_queued(stream, &outgoing);
    // Out of the room, if it still is: it fell too far behind, or a write
    // failed (the others are told it left).
    leave(room, addr, None);
    // Only the sending half: the client may still be sending, and what it
    // sends must be read (linger), not refused.
    let _ = stream.shutdown(Shutdown::Write);
    linger(stream);
}

/// Writes every message of the queue to the client, until the room closes
/// the queue and nothing is left; fails when a write does.
fn send_queued(stream: &TcpStream, outgoing: &Receiver<Arc<str>>) -> io::Result<()> {
    // STEP 5: the writer
    //   Take messages from the queue (recv() waits for one, and fails once
    //   the room dropped the queue and it is empty) and write them through
    //   a BufWriter of the stream; flush only once the queue is empty
    //   (try_iter takes what is already there), so that a busy room sends
    //   many messages per write().
    // PASO 5: el escritor
    //   Toma mensajes de la cola (recv() espera uno, y falla cuando la sala
    //   soltó la cola y está vacía) y escríbelos a través de un BufWriter
    //   del stream; haz flush solo cuando la cola esté vacía (try_iter toma
    //   lo que ya está ahí), para que una sala ocupada envíe muchos mensajes
    //   por cada write().
    let mut out = BufWriter::new(stream);
    // recv() fails once the queue is dropped and empty: nothing more to send
    while let Ok(message) = outgoing.recv() {
        out.write_all(message.as_bytes())?;
        // Everything else already waiting too, then one flush: a busy room
        // sends many messages per write() call instead of one each.
        for message in outgoing.try_iter() {
            out.write_all(message.as_bytes())?;
        }
        out.flush()?;
    }
    Ok(())
}

/// Reads the client's lines and relays them to the others, until it says
/// goodbye, closes, or breaks a rule. (Its writer lingers: the socket stays
/// open, and read, until the client has read everything.)
fn handle_client(room: &Room, stream: &TcpStream, addr: SocketAddr) {
    // STEP 6: the reader
    //   Hear the client's lines through a BufReader of the stream, and say
    //   each one to the room as `[IP:PORT] text\n` (say). Lines that came
    //   together are said together: gather them in a String, and say it
    //   once no other whole line waits in the reader's buffer (buffer()).
    //   Stop at the goodbye word (last words: `adios`), a line too long
    //   (`error: line too long`) or the end (none); say what is gathered,
    //   and leave the room with those last words.
    // PASO 6: el lector
    //   Escucha las líneas del cliente a través de un BufReader del stream,
    //   y dile cada una a la sala como `[IP:PUERTO] texto\n` (say). Las líneas
    //   que llegaron juntas se dicen juntas: júntalas en un String, y dilo
    //   cuando no quede otra línea entera en el búfer del lector (buffer()).
    //   Detente en la despedida (últimas palabras: `adios`), una línea
    //   demasiado larga (`error: line too long`) o el final (ninguna); di lo
    //   que juntaste, y sal de la sala con esas últimas palabras.
    let mut reader = BufReader::new(stream);
    // Lines that arrive together are relayed together: one lock, and one
    // wake-up of each writer thread, for all of them.
    let mut said = String::new();
    let farewell = loop {
        match hear(&mut reader) {
            Heard::Line(text) => said.push_str(&format!("[{addr}] {text}\n")),
            Heard::Goodbye => break Some("adios"),
            Heard::TooLong => break Some("error: line too long"),
            Heard::End => break None,
        }
        // No other whole line has arrived: relay before waiting for more.
        if !reader.buffer().contains(&b'\n') {
            say(room, addr, &mut said);
        }
    };
    say(room, addr, &mut said);
    leave(room, addr, farewell);
}

/// What one line from a client brought.
enum Heard {
    Line(String),
    Goodbye,
    TooLong,
    End,
}

/// Reads one line: at most MAX_LINE bytes, as printable text.
fn hear(reader: &mut BufReader<&TcpStream>) -> Heard {
    // STEP 7: read one line, with the limit
    //   As read_line does in lab 2 (take, read_until), and say what it
    //   brought: the end (nothing read, or an error: the client closed,
    //   reset or vanished), a line too long (more than MAX_LINE bytes and
    //   no \n), the goodbye word, or a line: its text, printable (text_of,
    //   then printable: no control characters reach the others).
    // PASO 7: lee una línea, con el límite
    //   Como lo hace read_line en el lab 2 (take, read_until), y di qué
    //   trajo: el final (no leyó nada, o un error: el cliente cerró, mandó
    //   un reset o desapareció), una línea demasiado larga (más de MAX_LINE
    //   bytes y sin \n), la palabra de despedida, o una línea: su texto,
    //   imprimible (text_of y luego printable: ningún carácter de control
    //   llega a los demás).
    let mut line = Vec::new();
    // take() bounds what one line can make us store, newline or not
    match reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
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
    // STEP 8: in and out of the room
    //   If `said` holds anything: with the room locked, and only if the
    //   client is still in it, relay it to the others and print it on
    //   stdout (the transcript: a line printed is a line queued for
    //   everyone). Then empty `said`.
    // PASO 8: entrar y salir de la sala
    //   Si `said` tiene algo: con la sala tomada, y solo si el cliente
    //   sigue en ella, reenvíaselo a los demás y escríbelo en stdout (la
    //   transcripción: una línea escrita es una línea encolada para todos).
    //   Luego vacía `said`.
    if !said.is_empty() {
        let mut clients = room.lock().unwrap();
        // Once the operator closed the room, nobody would receive the lines:
        // they are not said at all, so the transcript shows only delivered ones.
        if clients.contains_key(&addr) {
            relay(&mut clients, said, Some(addr));
            // Printed once queued (and before anyone can join or leave): a
            // line the operator sees is one the shutdown will deliver.
            print!("{said}");
        }
        said.clear();
    }
}

/// Takes the client out of the room, says `farewell` to it after what is
/// already queued for it, and tells the others it left.
fn leave(room: &Room, addr: SocketAddr, farewell: Option<&str>) {
    // STEP 8: in and out of the room
    //   With the room locked, take the client out (remove); if it was not
    //   in it any more, there is nothing to do. Send it its last words if
    //   any (behind what is already queued), tell the others
    //   `* IP:PORT left`, and print that line on stdout. Dropping the
    //   client drops its queue: its writer sends the rest and ends.
    // PASO 8: entrar y salir de la sala
    //   Con la sala tomada, saca al cliente (remove); si ya no estaba, no
    //   hay nada que hacer. Envíale sus últimas palabras si las hay (detrás
    //   de lo que ya tiene encolado), diles a los demás `* IP:PUERTO left` y
    //   escribe esa línea en stdout. Soltar al cliente suelta su cola: su
    //   escritor envía lo que queda y termina.
    let mut clients = room.lock().unwrap();
    // Not in the room any more: the server is closing and said adios already.
    let Some(mut client) = clients.remove(&addr) else {
        return;
    };
    if let Some(farewell) = farewell {
        client.send(Arc::from(format!("{farewell}\n")));
    }
    relay(&mut clients, &format!("* {addr} left\n"), None);
    println!("* {addr} left");
    // Dropping `client` drops its queue: its writer sends the rest and closes.
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
fn stop_accepting(closing: &AtomicBool, local: SocketAddr) {
    // STEP 9: the close
    //   Raise the `closing` flag (accept_clients checks it after every
    //   accept), then wake the accept loop, blocked in accept() until a
    //   client comes: wake_accept (given) connects to the listener.
    // PASO 9: el cierre
    //   Sube la bandera `closing` (accept_clients la revisa después de cada
    //   accept) y luego despierta al bucle de accept, bloqueado en accept()
    //   hasta que llegue un cliente: wake_accept (dado) se conecta al
    //   listener.
    closing.store(true, Ordering::SeqCst);
    // main is blocked in accept(), and only a connection wakes it: make one.
    wake_accept(local);
}

/// Closes the room: every client gets `adios` after the lines already
/// queued for it, and the server waits for every writer to finish, at
/// most CLOSING.
fn close_room(room: &Room, alive: Sender<()>, all_ended: &Receiver<()>) {
    // STEP 9: the close
    //   Take every client out of the room (drain the map) and send each
    //   one `adios\n`: it goes behind the lines already queued for it, and
    //   dropping the client ends its writer. Let go of the room's lock
    //   before you wait (each writer takes it to leave). Drop `alive`, your
    //   own Sender, then wait on `all_ended` for CLOSING at most
    //   (recv_timeout): it returns once every writer has dropped its clone.
    // PASO 9: el cierre
    //   Saca a todos los clientes de la sala (drain del mapa) y envíale a
    //   cada uno `adios\n`: va detrás de las líneas que ya tiene encoladas,
    //   y soltar al cliente termina su escritor. Suelta el cerrojo de la
    //   sala antes de esperar (cada escritor lo toma para salir). Suelta
    //   `alive`, tu propio Sender, y luego espera en `all_ended` CLOSING como
    //   mucho (recv_timeout): regresa cuando todos los escritores soltaron
    //   su clon.

    // Dropping a client's queue tells its writer thread to send what is
    // left, end the stream and linger.
    for (_, mut client) in room.lock().unwrap().drain() {
        client.send(Arc::from("adios\n"));
    }
    // Ours too: only the writers' clones are left.
    drop(alive);
    // Fails once every clone is gone (Disconnected), or after CLOSING
    // (Timeout). A reader still blocked in read() (its client is silent)
    // ends with the process.
    let _ = all_ended.recv_timeout(CLOSING);
}

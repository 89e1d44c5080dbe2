//! Lab 3: a threaded full-duplex chat, the server side.
//!
//! EN: The server accepts one peer, then both sides talk at once: one thread
//!     sends what you type, the other prints what arrives. `adios` (or Ctrl-D)
//!     ends the conversation cleanly from either side. It teaches threads,
//!     `try_clone`, full duplex and the half-close `shutdown(Write)`.
//!     Walkthrough: docs/en/lab3.md
//! ES: El servidor acepta a un interlocutor y, desde ahí, los dos lados hablan
//!     a la vez: un hilo envía lo que escribes y otro muestra lo que llega.
//!     `adios` (o Ctrl-D) termina la conversación limpiamente desde cualquier
//!     lado. Enseña hilos, `try_clone`, full duplex y el semicierre
//!     `shutdown(Write)`. Guía: docs/es/lab3.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --features solutions --bin lab3_server_sol
//!     terminal 2: cargo run --features solutions --bin lab3_client_sol

use std::io::Read; // step 3
use std::io::Write; // step 3
use std::io::{self, BufRead, BufReader};
use std::net::Shutdown; // step 5
use std::net::TcpListener; // step 1
use std::net::TcpStream;
use std::process::ExitCode;
use std::thread; // step 2

use anyhow::Context; // step 1
use clap::Parser;
// The kit's helpers (given/lines.rs): the line limit, the goodbye word, and
// a line's bytes as text.
use given::{MAX_LINE, is_goodbye, text_of};

/// A chat server: one peer, both sides talking at once, `adios` to end.
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
    // STEP 1: accept one peer, and only one
    //   Listen on `args.host:args.port` as in lab 2 (the error names the
    //   address; the `listening on` line). Accept exactly one connection
    //   (an error here is the program's: with_context), then drop the
    //   listener, so that a second client is refused instead of waiting in
    //   the backlog for nothing. Say who connected, and chat with it.
    // PASO 1: acepta a un interlocutor, y solo a uno
    //   Escucha en `args.host:args.port` como en el lab 2 (el error nombra
    //   la dirección; la línea `listening on`). Acepta exactamente una
    //   conexión (aquí un error es del programa: with_context) y luego suelta
    //   el listener, para que un segundo cliente sea rechazado en vez de
    //   esperar en el backlog por nada. Di quién se conectó, y conversa.
    let addr = format!("{}:{}", args.host, args.port);
    let listener =
        TcpListener::bind(&addr).with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);
    // Exactly one conversation: one accept(), then the listener goes.
    let (stream, peer) = listener
        .accept()
        .with_context(|| format!("could not accept a connection on {addr}"))?;
    drop(listener);
    eprintln!("{peer} connected; type to chat, `adios` to end");
    chat(stream)
}

/// Talks in both directions at once until the conversation ends.
fn chat(stream: TcpStream) -> anyhow::Result<()> {
    // STEP 2: two threads, one per direction
    //   Make a second handle on the same socket (try_clone; its error is
    //   the program's). Start a thread (thread::spawn, with a move closure)
    //   that sends on it: send_lines, then say_goodbye; if either fails,
    //   say so on stderr. Meanwhile this thread receives: receive_lines on
    //   the original. Never join the sending thread: it may be blocked
    //   reading the keyboard, and returning from main ends it.
    // PASO 2: dos hilos, uno por sentido
    //   Saca un segundo handle del mismo socket (try_clone; su error es del
    //   programa). Lanza un hilo (thread::spawn, con una clausura move) que
    //   envíe por él: send_lines y luego say_goodbye; si alguno falla, dilo
    //   en stderr. Mientras, este hilo recibe: receive_lines sobre el
    //   original. Nunca esperes (join) al hilo que envía: puede estar
    //   bloqueado leyendo el teclado, y regresar de main lo termina.

    // A clone is a second handle on the same socket: the keyboard thread
    // sends on it while this thread receives on the original.
    let mut sender = stream
        .try_clone()
        .context("could not clone the connection")?;
    // Never joined: it may stay blocked in a read of stdin that nothing can
    // interrupt. Returning from main ends the process, and that thread with it.
    thread::spawn(move || {
        let sent = send_lines(&mut sender).and_then(|()| say_goodbye(&mut sender));
        if let Err(e) = sent {
            eprintln!("error: could not send: {e}");
        }
    });
    receive_lines(stream);
    Ok(())
}

/// Prints every line that arrives, until the goodbye word or the end.
fn receive_lines(stream: TcpStream) {
    // STEP 3: print what arrives, until the goodbye
    //   Read lines with your read_line of lab 2 (bring it below) through a
    //   BufReader of the stream, and print each one's text (text_of) on
    //   stdout. Return after printing the goodbye word; when the peer
    //   closes (None), or the connection breaks (another error), say so on
    //   stderr and return. To a line too long (InvalidData) send `error:
    //   line too long` to the peer, say so on stderr, and return.
    // PASO 3: muestra lo que llega, hasta la despedida
    //   Lee líneas con tu read_line del lab 2 (tráelo abajo) a través de un
    //   BufReader del stream, y muestra el texto de cada una (text_of) en
    //   stdout. Regresa después de mostrar la despedida; cuando el otro lado
    //   cierre (None), o la conexión se rompa (otro error), dilo en stderr y
    //   regresa. A una línea demasiado larga (InvalidData) envíale `error:
    //   line too long` al otro lado, dilo en stderr y regresa.
    let mut reader = BufReader::new(&stream);
    loop {
        match read_line(&mut reader) {
            Ok(Some(line)) => {
                let text = text_of(&line);
                // println! flushes at every \n: the line shows at once, even
                // while our user is typing nothing
                println!("{text}");
                if is_goodbye(&text) {
                    eprintln!("the other side said goodbye");
                    return;
                }
            }
            // read() returned 0: the peer closed its side (after our own
            // goodbye, that is the normal end)
            Ok(None) => {
                eprintln!("the other side closed the connection");
                return;
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                // the contract's answer to a line over 64 KiB; then we hang up
                let _ = (&stream).write_all(b"error: line too long\n");
                eprintln!("error: the other side sent a line over 64 KiB");
                return;
            }
            // a reset: the peer crashed or vanished without goodbye
            Err(e) => {
                eprintln!("the connection broke: {e}");
                return;
            }
        }
    }
}

/// Reads one whole line, with its `\n`; `None` at the end of the stream. A
/// line over `MAX_LINE` bytes is an `InvalidData` error.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    // STEP 3: print what arrives, until the goodbye
    //   Your read_line of lab 2.
    // PASO 3: muestra lo que llega, hasta la despedida
    //   Tu read_line del lab 2.

    // take() keeps a peer that never sends `\n` from filling our memory
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n > MAX_LINE && !line.ends_with(b"\n") {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
    }
    // (No \n and fewer bytes: the peer closed mid-line; show what came.)
    Ok(Some(line))
}

/// Sends every line typed on stdin, until the goodbye word or Ctrl-D.
fn send_lines(stream: &mut TcpStream) -> io::Result<()> {
    // STEP 4: send what you type
    //   For each line of stdin (split(b'\n'); a read of stdin that fails
    //   counts as its end), return if it is the goodbye word: say_goodbye
    //   says it. Else send it and its \n, every byte. At the end of stdin,
    //   return too.
    // PASO 4: envía lo que escribes
    //   Por cada línea de stdin (split(b'\n'); una lectura de stdin que
    //   falla cuenta como su final), regresa si es la despedida: la dice
    //   say_goodbye. Si no, envíala con su \n, todos los bytes. Al final de
    //   stdin, regresa también.

    // split(b'\n') instead of lines(): input that is not UTF-8 is sent as it
    // is; a stdin that fails to read counts as its end
    for line in io::stdin().lock().split(b'\n').map_while(Result::ok) {
        if is_goodbye(&text_of(&line)) {
            return Ok(());
        }
        let mut message = line;
        message.push(b'\n');
        // write_all(): every byte, however many writes it takes
        stream.write_all(&message)?;
    }
    Ok(())
}

/// Says `adios` and closes our sending half: the peer reads the end of the
/// stream, while we still receive what it has left to say. (We then wait for
/// the peer to close, however long it takes; a real chat would give up after
/// a while, with set_read_timeout.)
fn say_goodbye(stream: &mut TcpStream) -> io::Result<()> {
    // STEP 5: say adios, and stop sending
    //   Send `adios` and its \n, then shut down the sending half of the
    //   connection only (shutdown(Shutdown::Write)): the peer reads the end
    //   of the stream, and what it still says reaches us.
    // PASO 5: di adios y deja de enviar
    //   Envía `adios` y su \n, y luego cierra solo la mitad de escritura de
    //   la conexión (shutdown(Shutdown::Write)): el otro lado lee el final
    //   del flujo, y lo que todavía diga nos sigue llegando.
    stream.write_all(b"adios\n")?;
    stream.shutdown(Shutdown::Write)
}

//! Every word the charts show, in English and in the Spanish of Mexico
//! (docs/es/glosario.md), and numbers written 21,058 and 0.98 in both.

use crate::data::Run;

pub struct Labels {
    /// The folder the charts go in: `en` or `es`.
    pub language: &'static str,
    pub rate_title: &'static str,
    pub rate_axis: &'static str,
    pub memory_title: &'static str,
    pub memory_axis: &'static str,
    pub clients_axis: &'static str,
    pub lab4: &'static str,
    pub lab5: &'static str,
    pub python_room: &'static str,
    pub echo_title: &'static str,
    pub latency_axis: &'static str,
    pub rust_echo: &'static str,
    pub python_echo: &'static str,
    /// "1 connection", "8 connections".
    pub connections: fn(u32) -> String,
    /// "; Rust (lab 1) served 1 of 8": a server that did not serve every
    /// connection (nothing when it did).
    pub served: fn(&str, &str) -> String,
    /// "10,000 (10 send 10)": a room where only some clients send.
    pub senders: fn(&str, u32, u32) -> String,
    /// The footnote: when and where bench/run measured.
    pub footnote: fn(&Run) -> String,
    pub p50: &'static str,
    pub p99: &'static str,
}

pub const LANGUAGES: [&Labels; 2] = [&ENGLISH, &SPANISH];

const ENGLISH: Labels = Labels {
    language: "en",
    rate_title: "A room: deliveries per second",
    rate_axis: "deliveries per second (log scale)",
    memory_title: "A room: the server's peak memory",
    memory_axis: "peak memory, MiB (VmHWM)",
    clients_axis: "clients × lines each (log scale)",
    lab4: "lab 4 (threads)",
    lab5: "lab 5 (tokio)",
    python_room: "Python (room_server.py)",
    echo_title: "Echo: the latency of one round trip, 64 bytes",
    latency_axis: "microseconds",
    rust_echo: "Rust (lab 1)",
    python_echo: "Python (echo_server.py)",
    connections: |n| match n {
        1 => "1 connection".to_string(),
        n => format!("{n} connections"),
    },
    served: |server, served| match served.split_once('/') {
        Some((got, all)) if got != all => format!("; {server} served {got} of {all}"),
        _ => String::new(),
    },
    senders: |clients, senders, lines| format!("{clients} ({senders} send {lines})"),
    footnote: |run| {
        let runs = match run.reps.as_str() {
            "1" => "one run of each case".to_string(),
            reps => format!("the median of {reps} runs of each case"),
        };
        format!(
            "bench/run, {}: {} cores, Linux {}; {runs}",
            run.date, run.cores, run.linux
        )
    },
    p50: "bar: p50 (half were faster)",
    p99: "line: p99 (all but 1 in 100 were faster)",
};

const SPANISH: Labels = Labels {
    language: "es",
    rate_title: "Una sala: entregas por segundo",
    rate_axis: "entregas por segundo (escala logarítmica)",
    memory_title: "Una sala: la memoria máxima del servidor",
    memory_axis: "memoria máxima, MiB (VmHWM)",
    clients_axis: "clientes × líneas de cada uno (escala logarítmica)",
    lab4: "lab 4 (hilos)",
    lab5: "lab 5 (tokio)",
    python_room: "Python (room_server.py)",
    echo_title: "Eco: la latencia de una ida y vuelta, 64 bytes",
    latency_axis: "microsegundos",
    rust_echo: "Rust (lab 1)",
    python_echo: "Python (echo_server.py)",
    connections: |n| match n {
        1 => "1 conexión".to_string(),
        n => format!("{n} conexiones"),
    },
    served: |server, served| match served.split_once('/') {
        Some((got, all)) if got != all => format!("; {server} atendió a {got} de {all}"),
        _ => String::new(),
    },
    senders: |clients, senders, lines| format!("{clients} ({senders} envían {lines})"),
    footnote: |run| {
        let runs = match run.reps.as_str() {
            "1" => "una corrida de cada caso".to_string(),
            reps => format!("la mediana de {reps} corridas de cada caso"),
        };
        format!(
            "bench/run, {}: {} núcleos, Linux {}; {runs}",
            run.date, run.cores, run.linux
        )
    },
    p50: "barra: p50 (la mitad fue más rápida)",
    p99: "línea: p99 (todas menos 1 de cada 100 fueron más rápidas)",
};

/// 21058 -> "21,058"; 0.5 -> "0.5": the same in English and in Mexico.
pub fn number(value: f64) -> String {
    if value < 10.0 && value.fract() != 0.0 {
        return format!("{value:.1}");
    }
    let digits = format!("{:.0}", value);
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn writes_thousands_with_commas() {
        assert_eq!(number(21058.0), "21,058");
        assert_eq!(number(30102963.4), "30,102,963");
        assert_eq!(number(200.0), "200");
        assert_eq!(number(0.5), "0.5");
    }
}

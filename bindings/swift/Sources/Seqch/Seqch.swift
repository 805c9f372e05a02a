// A thin Swift wrapper over libseqch's v2 C ABI.
//
//   let writer = try SeqchWriter(url: "http://127.0.0.1:8123")
//   writer.pushTurn(sessionID: "s1", agent: "claude", model: "claude-opus-4-6", turnID: "m1:r1",
//                   tsMs: 1_794_873_600_000, inputTokens: 1000, outputTokens: 50)
//   _ = writer.flush(timeoutMs: 10_000)
import CSeqch

public enum SeqchError: Error {
    case open(String)
    case failed(String)
}

/// The result of a push: taken, or why not.
public enum PushResult: Int32 {
    case ok = 0, refusedFull = 1, closed = 2, invalidArgument = 3, timeout = 4, panic = 5, error = 6
}

func lastError() -> String {
    let n = seq_ch_last_error(nil, 0)
    var buf = [CChar](repeating: 0, count: n + 1)
    _ = seq_ch_last_error(&buf, buf.count)
    return String(cString: buf)
}

/// Runs `body` with the UTF-8 bytes of each string as `seq_ch_str` (valid only inside `body`).
func withStrs<R>(_ strings: [String], _ body: ([seq_ch_str]) -> R) -> R {
    var utf8 = strings.map { Array($0.utf8) }
    func go(_ i: Int, _ acc: [seq_ch_str]) -> R {
        if i == utf8.count { return body(acc) }
        return utf8[i].withUnsafeBufferPointer { p in
            go(i + 1, acc + [seq_ch_str(ptr: p.baseAddress, len: p.count)])
        }
    }
    return go(0, [])
}

public final class SeqchWriter {
    private let handle: OpaquePointer

    /// Opens a writer; an empty `url` takes SEQ_CH_URL and the rest of the environment.
    public init(url: String = "", databasePrefix: String = "") throws {
        var out: OpaquePointer? = nil
        let rc: Int32 = withStrs([url, databasePrefix]) { s in
            var cfg = seq_ch_config()
            cfg.struct_size = UInt32(MemoryLayout<seq_ch_config>.size)
            cfg.url = s[0]
            cfg.database_prefix = s[1]
            return seq_ch_open(&cfg, &out)
        }
        guard rc == 0, let h = out else { throw SeqchError.open(lastError()) }
        handle = h
    }

    deinit {
        _ = seq_ch_close(handle, 5000)
        seq_ch_writer_destroy(handle)
    }

    /// Hands one model call over; never blocks.
    @discardableResult
    public func pushTurn(sessionID: String, agent: String, model: String, turnID: String, tsMs: UInt64,
                         inputTokens: UInt32, outputTokens: UInt32, cachedTokens: UInt32 = 0,
                         costUSD: Double = 0, projectPath: String = "") -> PushResult {
        withStrs([sessionID, agent, model, turnID, projectPath, ""]) { s in
            var t = seq_ch_turn()
            t.ts_ms = tsMs
            t.session_id = s[0]
            t.agent = s[1]
            t.model = s[2]
            t.turn_id = s[3]
            t.project_path = s[4]
            t.stop_reason = s[5]
            t.input_tokens = inputTokens
            t.output_tokens = outputTokens
            t.cached_tokens = cachedTokens
            t.cost_usd = costUSD
            return PushResult(rawValue: seq_ch_try_push_turn(handle, &t)) ?? .error
        }
    }

    /// True when everything pushed so far is in ClickHouse, spooled or filed.
    public func flush(timeoutMs: UInt32) -> Bool {
        seq_ch_flush_wait(handle, timeoutMs) == 0
    }

    /// The context brief of `project` as UTF-8 JSON (recent sessions, failures, files, handoffs
    /// and a `markdown` rendering); blocks while ClickHouse answers.
    public func contextBrief(project: String, timeZone: String = "UTC", maxBytes: UInt32 = 0) throws -> String {
        try answer { buf, len, out in
            withStrs([project, timeZone]) { s in
                seq_ch_context_brief(handle, s[0], s[1], maxBytes, buf, len, out)
            }
        }
    }

    /// The routing verdict as UTF-8 JSON: `verdict` is `cloud` or `local`, with `reason`.
    public func budget(dailyLimitUSD: Double = 0, rateLimitPercent: Double = 0,
                       timeZone: String = "UTC") throws -> String {
        try answer { buf, len, out in
            withStrs([timeZone]) { s in
                seq_ch_budget(handle, s[0], dailyLimitUSD, rateLimitPercent, buf, len, out)
            }
        }
    }

    /// Calls `ask` with a buffer grown to the size the library reports.
    private func answer(_ ask: (UnsafeMutablePointer<UInt8>?, Int, UnsafeMutablePointer<Int>) -> Int32) throws -> String {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            var need = 0
            let rc = buffer.withUnsafeMutableBufferPointer { b in ask(b.baseAddress, b.count, &need) }
            if rc == 0 {
                return String(decoding: buffer[..<need], as: UTF8.self)
            }
            guard rc == SEQ_CH_BUFFER_TOO_SMALL else { throw SeqchError.failed(lastError()) }
            buffer = [UInt8](repeating: 0, count: need)
        }
    }
}

import Foundation
import Logging
import Vapor
import BiebCore
import BiebStore

/// Sends the outbox: every few seconds it claims the messages that are due,
/// renders each from the facts as they are then, and hands them to the mail
/// server over one connection. Any number of app servers may run it: a
/// message is claimed by one. Without a mail server (`BIEB_SMTP_HOST`)
/// messages wait in the outbox; the staff page says so.
public final class OutboxSender: LifecycleHandler, @unchecked Sendable {
    public struct Result: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        public var retrying = 0
        public var skipped = 0

        public init() {}
    }

    let settings: SMTPSettings?
    let interval: Duration
    let batch: Int
    private let lock = NSLock()
    private var task: Task<Void, Never>?

    public init(settings: SMTPSettings?, interval: Duration = .seconds(2), batch: Int = 20) {
        self.settings = settings
        self.interval = interval
        self.batch = batch
    }

    public func didBootAsync(_ application: Application) async throws {
        guard settings != nil else {
            application.logger.notice("No mail server set (BIEB_SMTP_HOST): messages wait in the outbox.")
            return
        }
        let logger = Logger(label: "bieb.outbox")
        let task = Task { [self] in
            while !Task.isCancelled {
                do {
                    let result = try await runOnce(application)
                    if result != Result() {
                        logger.info("outbox", metadata: ["sent": "\(result.sent)", "retrying": "\(result.retrying)", "failed": "\(result.failed)",
                                                         "skipped": "\(result.skipped)"])
                    }
                } catch is CancellationError {
                    break
                } catch {
                    logger.warning("outbox: \(String(describing: error))")
                }
                try? await Task.sleep(for: interval)
            }
        }
        lock.withLock { self.task = task }
    }

    public func shutdownAsync(_ application: Application) async {
        let task = lock.withLock { self.task }
        task?.cancel()
        await task?.value
    }

    /// One round: recover interrupted sends, claim a batch, send it.
    @discardableResult
    public func runOnce(_ app: Application, now: Date = Date()) async throws -> Result {
        var result = Result()
        let outbox = Outbox(app.db)
        result.failed += try await outbox.recoverInterrupted(now: now)
        guard let settings else { return result }
        let claimed = try await outbox.claim(limit: batch, now: now)
        guard !claimed.isEmpty else { return result }
        let composer = NoticeComposer(db: app.db, baseURL: app.bieb.baseURL, from: settings.from)
        var ready: [(OutboxMessage, MailMessage)] = []
        for message in claimed {
            do {
                switch try await composer.compose(message, now: now) {
                case .skip(let reason):
                    try await outbox.markSkipped(message.id, reason: reason)
                    result.skipped += 1
                case .send(let mail):
                    try await outbox.rendered(message.id, recipient: mail.to.email, subject: mail.subject, text: mail.text, html: mail.html)
                    ready.append((message, mail))
                }
            } catch {
                try await outbox.markFailed(message.id, error: "could not be written: \(error)", permanent: false, now: now)
                result.retrying += 1
            }
        }
        guard !ready.isEmpty else { return result }
        var connection: SMTPConnection?
        // When the session itself fails (no connection, TLS or AUTH refused) the rest of the batch waits: that is
        // the mail server's or the settings' doing, not the message's, so it is tried again later.
        var broken: SMTPFailure?
        for (message, mail) in ready {
            if let broken {
                try await outbox.markFailed(message.id, error: broken.description, permanent: false, now: now)
                result.retrying += 1
                continue
            }
            do {
                if connection == nil { connection = try await SMTPConnection.open(settings, on: app.eventLoopGroup) }
            } catch let failure as SMTPFailure {
                broken = failure
                try await outbox.markFailed(message.id, error: failure.description, permanent: false, now: now)
                result.retrying += 1
                continue
            }
            // A long batch keeps its claims: each message's lease is renewed just before it goes (and it does not go
            // when the lease already ran out and another server marked it interrupted).
            guard try await outbox.renewClaim(message.id, now: max(now, Date())) else { continue }
            do {
                try await connection!.send(mail)
                try await outbox.markSent(message.id, now: now)
                result.sent += 1
            } catch let failure as SMTPFailure {
                // A refusal of this message (an unknown mailbox) fails it; a temporary one waits.
                try await outbox.markFailed(message.id, error: failure.description, permanent: failure.isPermanent, now: now)
                if failure.isPermanent { result.failed += 1 } else { result.retrying += 1 }
                if connection?.channel.isActive != true { connection = nil }
            }
        }
        await connection?.close()
        return result
    }
}

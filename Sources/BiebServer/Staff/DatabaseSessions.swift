import Fluent
import Foundation
import Vapor
import BiebStore

/// Staff page sessions in the database (so any app server can serve any
/// request), each with an end: a signed-in session ends `sessionLifetime`
/// after sign-in, an anonymous one (the sign-in form's CSRF token) an hour
/// after its last use. Expired sessions are deleted whenever a new one starts.
struct DatabaseSessions: SessionDriver {
    static let anonymousLifetime: TimeInterval = 3600

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            let now = Date()
            try await StaffSessionRecord.query(on: request.db).filter(\.$expiresAt < now).delete()
            let id = SessionID(string: Tokens.generate())
            try await StaffSessionRecord(key: id.string, data: try Self.encode(data), expiresAt: Self.expiry(of: data, request: request))
                .create(on: request.db)
            return id
        }
    }

    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        request.eventLoop.makeFutureWithTask {
            guard let record = try await StaffSessionRecord.query(on: request.db).filter(\.$key == sessionID.string).first(),
                  record.expiresAt > Date() else { return nil }
            return try JSONDecoder().decode(SessionData.self, from: Data(record.data.utf8))
        }
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            guard let record = try await StaffSessionRecord.query(on: request.db).filter(\.$key == sessionID.string).first() else {
                return try await createSession(data, for: request).get()
            }
            record.data = try Self.encode(data)
            record.expiresAt = Self.expiry(of: data, request: request)
            try await record.save(on: request.db)
            return sessionID
        }
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        request.eventLoop.makeFutureWithTask {
            try await StaffSessionRecord.query(on: request.db).filter(\.$key == sessionID.string).delete()
        }
    }

    static func encode(_ data: SessionData) throws -> String {
        String(decoding: try JSONEncoder().encode(data), as: UTF8.self)
    }

    static func expiry(of data: SessionData, request: Request) -> Date {
        if data["uid"] != nil, let since = data["since"].flatMap(Double.init) {
            return Date(timeIntervalSince1970: since + request.bieb.sessionLifetime)
        }
        return Date().addingTimeInterval(anonymousLifetime)
    }
}

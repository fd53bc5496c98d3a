import Vapor

extension Request {
    /// After a form: back to `path`, with `done` naming what happened (the
    /// page shows it as its flash message, `flash_{done}` in the locales).
    func redirect(to path: String, done: String?) -> Response {
        var target = path
        if let done { target += (path.contains("?") ? "&" : "?") + "done=\(done)" }
        return redirect(to: target, redirectType: .normal)
    }
}

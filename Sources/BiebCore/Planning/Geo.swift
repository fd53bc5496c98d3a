import Foundation

/// A point on the earth (WGS 84 degrees).
public struct GeoPoint: Sendable, Hashable, Codable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// A box around the Netherlands (with its islands and a margin), to refuse points that cannot be meant.
    public static let netherlands = Box(south: 50.5, north: 53.8, west: 3.0, east: 7.5)

    public struct Box: Sendable, Hashable {
        public var south, north, west, east: Double
        public func contains(latitude: Double, longitude: Double) -> Bool {
            latitude.isFinite && longitude.isFinite && (south...north).contains(latitude) && (west...east).contains(longitude)
        }
    }
}

/// Distances between points, and how far that is for a person.
public enum Geo {
    /// The earth's mean radius (IUGG), in km.
    public static let earthRadius = 6371.0088

    /// The great-circle distance in km (haversine formula).
    public static func distance(_ a: GeoPoint, _ b: GeoPoint, radius: Double = earthRadius) -> Double {
        let φ1 = a.latitude * .pi / 180, φ2 = b.latitude * .pi / 180
        let Δφ = φ2 - φ1, Δλ = (b.longitude - a.longitude) * .pi / 180
        let h = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        return 2 * radius * asin(min(1, sqrt(h)))
    }
}

/// How a straight-line distance is read as a journey: the way there is
/// longer than the line (`detourFactor`; 1.3 is a usual figure for Dutch
/// towns, CBS measures by road), walked at `walkingSpeed` km an hour.
public struct Journey: Sendable, Hashable, Codable {
    public var detourFactor: Double
    public var walkingSpeed: Double

    public init(detourFactor: Double = 1.3, walkingSpeed: Double = 5) {
        self.detourFactor = detourFactor
        self.walkingSpeed = walkingSpeed
    }

    /// The way there in km, from the straight line.
    public func route(_ straight: Double) -> Double { straight * detourFactor }
    /// Minutes' walk, from the straight line.
    public func walkingMinutes(_ straight: Double) -> Double { route(straight) / walkingSpeed * 60 }
}

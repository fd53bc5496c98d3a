import Vapor
import Leaf
import Prometheus

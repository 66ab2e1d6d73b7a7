// Fixture chapter sets and end-to-end tests of `tn build` live here.
import XCTest
@testable import Notebook

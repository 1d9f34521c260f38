/** Exact planar geometry kernel: pure functions and prepared areas, no I/O. */
export { PreparedArea, INDEX_THRESHOLD } from './area.js';
export { EdgeGrid } from './edge-grid.js';
export { LineMeasure, UNKNOWN_LOCATION } from './line-measure.js';
export { capsuleInterval, inscribedCapsule } from './capsule.js';
export { clipLineString, clipPolygonToArea } from './clip.js';
export { geometryDistance } from './distance.js';
export {
  crossing,
  locateInRings,
  pointSegmentDistance2,
  pointToSegment2,
  segmentSegmentDistance2,
  segmentSegmentGap2,
  segmentsIntersect
} from './segment.js';

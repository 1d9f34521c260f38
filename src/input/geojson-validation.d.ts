/** The part of geojson-validation (which ships no types) the shallow pass uses. */
declare module 'geojson-validation' {
  const gjv: {
    /** With `trace` true: the list of what is wrong (empty when the Feature is valid). */
    isFeature(feature: unknown, trace: true): string[];
  };
  export default gjv;
}

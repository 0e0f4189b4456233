// object-mapper 5 ships no types; the functions weft uses.
declare module 'object-mapper' {
  type Mapping = Record<string, unknown>;
  function objectMapper(src: unknown, dest: unknown, map: Mapping): any;
  function objectMapper(src: unknown, map: Mapping): any;
  namespace objectMapper {
    function merge(src: unknown, dest: unknown, map: Mapping): any;
  }
  export default objectMapper;
}

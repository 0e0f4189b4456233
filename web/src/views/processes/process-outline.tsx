import { attributesText, type Tree } from './process-types.js';

/**
 * The live expression tree as an outline. Expression ids are tree paths ("0_1_0": the root's
 * second child's first child), so a workitem's expid marks where the process waits.
 */
export function ProcessOutline(props: { tree: Tree; current: Map<string, string>; errored: Set<string> }) {
  return (
    <ul className="outline" id="process-tree">
      <OutlineNode tree={props.tree} expid="0" current={props.current} errored={props.errored} />
    </ul>
  );
}

function OutlineNode(props: { tree: Tree; expid: string; current: Map<string, string>; errored: Set<string> }) {
  const [name, attrs, children] = props.tree;
  const here = props.current.get(props.expid);
  const failed = props.errored.has(props.expid);
  const cls = ['node', here !== undefined ? 'current' : '', failed ? 'errored' : ''].filter(Boolean).join(' ');
  return (
    <li>
      <span className={cls} data-expid={props.expid} data-current={here !== undefined ? 'true' : undefined} title={`expid ${props.expid}`}>
        {name} <span className="attrs">{attributesText(attrs ?? {})}</span>
        {here !== undefined && <span className="small"> ◀ {here}</span>}
      </span>
      {Array.isArray(children) && children.length > 0 && (
        <ul className="outline">
          {children.map((c, i) => (
            <OutlineNode key={i} tree={c} expid={`${props.expid}_${i}`} current={props.current} errored={props.errored} />
          ))}
        </ul>
      )}
    </li>
  );
}

import { useMemo } from 'react';
import dagre from '@dagrejs/dagre';
import { BaseEdge, EdgeLabelRenderer, Handle, MarkerType, Position, ReactFlow, type Edge, type EdgeProps, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { FlowStep, FlowTransition } from './flow-types.js';

// A flow's steps and transitions, laid out left to right by dagre. Edges follow dagre's own
// routes (so parallel transitions between two steps stay apart); automatic transitions are dashed
// and blue, manual ones solid; a condition is written under the transition's name.

const NODE_W = 170;
const NODE_H = 54;

type StepData = { id: string; name: string; state?: string };
type EdgeData = { points: Array<{ x: number; y: number }>; label: { x: number; y: number }; transition: FlowTransition };

function StepNode({ data }: NodeProps<Node<StepData>>) {
  return (
    <div className={`flow-node state-${data.state ?? 'none'}`} data-step={data.id} data-state={data.state ?? ''} style={{ width: NODE_W, height: NODE_H }}>
      <Handle type="target" position={Position.Left} isConnectable={false} style={{ opacity: 0 }} />
      <strong>{data.name}</strong>
      <div className="sub">
        {data.id}
        {data.state ? ` · ${data.state}` : ''}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} style={{ opacity: 0 }} />
    </div>
  );
}

function routedPath(points: Array<{ x: number; y: number }>): string {
  if (points.length < 2) return '';
  let d = `M ${points[0].x} ${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    d += ` Q ${points[i].x} ${points[i].y} ${mid.x} ${mid.y}`;
  }
  const last = points[points.length - 1];
  return `${d} L ${last.x} ${last.y}`;
}

function TransitionEdge({ id, data, markerEnd, style }: EdgeProps<Edge<EdgeData>>) {
  if (!data) return null;
  const t = data.transition;
  const auto = t.type === 'automatic';
  return (
    <>
      <BaseEdge id={id} path={routedPath(data.points)} markerEnd={markerEnd} style={style} />
      <EdgeLabelRenderer>
        <div
          className={`edge-label ${auto ? 'automatic' : 'manual'}`}
          data-transition={t.identifier}
          data-type={auto ? 'automatic' : 'manual'}
          style={{ transform: `translate(-50%, -50%) translate(${data.label.x}px, ${data.label.y}px)` }}
        >
          {t.identifier}
          {t.condition && <div className="condition">{t.condition}</div>}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

const nodeTypes = { step: StepNode };
const edgeTypes = { transition: TransitionEdge };

export function layoutFlow(steps: FlowStep[], transitions: FlowTransition[], states?: Record<string, string>) {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 110, edgesep: 25, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const s of steps) g.setNode(s.identifier, { width: NODE_W, height: NODE_H });
  transitions.forEach((t, i) => {
    if (!g.hasNode(t.from) || !g.hasNode(t.to)) return;
    const labelWidth = Math.max(t.identifier.length, t.condition?.length ?? 0) * 7 + 16;
    g.setEdge(t.from, t.to, { width: labelWidth, height: t.condition ? 34 : 20, labelpos: 'c' }, `t${i}`);
  });
  dagre.layout(g);
  const nodes: Node<StepData>[] = steps.map((s) => {
    const n = g.node(s.identifier);
    return {
      id: s.identifier,
      type: 'step',
      position: { x: n.x - NODE_W / 2, y: n.y - NODE_H / 2 },
      data: { id: s.identifier, name: s.name || s.identifier, state: states?.[s.identifier] },
      draggable: false,
    };
  });
  const edges: Edge<EdgeData>[] = [];
  transitions.forEach((t, i) => {
    const e = g.edge({ v: t.from, w: t.to, name: `t${i}` });
    if (!e) return;
    const auto = t.type === 'automatic';
    const color = auto ? '#3867d6' : '#4b5568';
    edges.push({
      id: `t${i}`,
      source: t.from,
      target: t.to,
      type: 'transition',
      data: { points: e.points ?? [], label: { x: e.x ?? 0, y: e.y ?? 0 }, transition: t },
      markerEnd: { type: MarkerType.ArrowClosed, color },
      style: { stroke: color, strokeWidth: 2, strokeDasharray: auto ? '6 4' : undefined },
    });
  });
  const size = g.graph();
  return { nodes, edges, height: size.height ?? 200 };
}

/** The diagram; its height follows the laid-out graph (180–480 px) unless `height` is given. */
export function FlowDiagram(props: { steps: FlowStep[]; transitions: FlowTransition[]; states?: Record<string, string>; height?: number }) {
  const { nodes, edges, height } = useMemo(() => layoutFlow(props.steps, props.transitions, props.states), [props.steps, props.transitions, props.states]);
  return (
    <div className="diagram-box">
      <div className="diagram" style={{ height: props.height ?? Math.min(480, Math.max(180, height + 60)) }} data-steps={props.steps.length} data-transitions={props.transitions.length}>
        <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        minZoom={0.2}
        maxZoom={1.2}
        />
      </div>
      <div className="legend">
        <span className="manual">manual</span>
        <span className="automatic">automatic</span>
      </div>
    </div>
  );
}

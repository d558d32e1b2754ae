// The steps in run order: drag a handle to reorder (pointer or keyboard: focus
// the handle, Space to pick up, arrows to move, Space to drop), or use the
// move up/down buttons. Each row shows the live status of a running run.
import { ActionIcon, Badge, Box, Group, Paper, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { DndContext, KeyboardSensor, PointerSensor, closestCenter, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { IconArrowDown, IconArrowUp, IconGripVertical, IconTrash } from '@tabler/icons-react';
import { StatusBadge } from '../../components/StatusBadge';
import type { StepDraft } from './model';

interface Props {
  steps: StepDraft[];
  selected: string | null;
  onSelect: (key: string) => void;
  onMove: (from: number, to: number) => void;
  onDelete: (index: number) => void;
  /** Live or last status by step name. */
  statuses: Record<string, string>;
  problems: Record<string, number>;
}

function Row({ step, index, count, selected, onSelect, onMove, onDelete, status, problems }: { step: StepDraft; index: number; count: number; selected: boolean; status?: string; problems: number } & Pick<Props, 'onSelect' | 'onMove' | 'onDelete'>) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging, setActivatorNodeRef } = useSortable({ id: step.key });
  return (
    <Paper
      ref={setNodeRef}
      withBorder
      p={6}
      data-testid={`step-row-${index}`}
      data-name={step.name}
      style={{
        transform: CSS.Transform.toString(transform),
        transition,
        opacity: isDragging ? 0.6 : 1,
        borderColor: selected ? 'var(--mantine-primary-color-filled)' : undefined,
        background: selected ? 'var(--mantine-primary-color-light)' : undefined,
      }}
    >
      <Group gap={4} wrap="nowrap">
        <ActionIcon ref={setActivatorNodeRef} variant="subtle" color="gray" size="sm" aria-label={`Reorder ${step.name}`} style={{ cursor: 'grab', touchAction: 'none' }} {...attributes} {...listeners}>
          <IconGripVertical size={16} />
        </ActionIcon>
        <UnstyledButton onClick={() => onSelect(step.key)} style={{ flex: 1, minWidth: 0 }} aria-current={selected ? 'true' : undefined}>
          <Group gap={6} wrap="nowrap">
            <Text size="xs" c="dimmed" w={16}>
              {index + 1}
            </Text>
            <Badge size="xs" variant="outline" w={52} style={{ flexShrink: 0 }}>
              {step.method}
            </Badge>
            <Text size="sm" fw={500} truncate className="mono">
              {step.name}
            </Text>
            {problems > 0 && (
              <Tooltip label={`${problems} problem${problems > 1 ? 's' : ''}`}>
                <Badge size="xs" color="red" circle>
                  {problems}
                </Badge>
              </Tooltip>
            )}
          </Group>
        </UnstyledButton>
        {status && <StatusBadge status={status} size="xs" />}
        <ActionIcon variant="subtle" color="gray" size="sm" disabled={index === 0} onClick={() => onMove(index, index - 1)} aria-label={`Move ${step.name} up`}>
          <IconArrowUp size={14} />
        </ActionIcon>
        <ActionIcon variant="subtle" color="gray" size="sm" disabled={index === count - 1} onClick={() => onMove(index, index + 1)} aria-label={`Move ${step.name} down`}>
          <IconArrowDown size={14} />
        </ActionIcon>
        <ActionIcon variant="subtle" color="gray" size="sm" onClick={() => onDelete(index)} aria-label={`Delete ${step.name}`}>
          <IconTrash size={14} />
        </ActionIcon>
      </Group>
    </Paper>
  );
}

export function StepList({ steps, selected, onSelect, onMove, onDelete, statuses, problems }: Props) {
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const onDragEnd = (e: DragEndEvent) => {
    if (!e.over || e.active.id === e.over.id) return;
    const from = steps.findIndex((s) => s.key === e.active.id);
    const to = steps.findIndex((s) => s.key === e.over?.id);
    if (from >= 0 && to >= 0) onMove(from, to);
  };
  return (
    <DndContext
      sensors={sensors}
      collisionDetection={closestCenter}
      onDragEnd={onDragEnd}
      accessibility={{
        announcements: {
          onDragStart: ({ active }) => `Picked up step ${steps.find((s) => s.key === active.id)?.name ?? ''}`,
          onDragOver: ({ over }) => (over ? `Over position ${steps.findIndex((s) => s.key === over.id) + 1}` : ''),
          onDragEnd: ({ over }) => (over ? `Dropped at position ${steps.findIndex((s) => s.key === over.id) + 1}` : 'Dropped'),
          onDragCancel: () => 'Reordering cancelled',
        },
      }}
    >
      <SortableContext items={steps.map((s) => s.key)} strategy={verticalListSortingStrategy}>
        <Stack gap={6} data-testid="step-list">
          {steps.map((s, i) => (
            <Row key={s.key} step={s} index={i} count={steps.length} selected={s.key === selected} onSelect={onSelect} onMove={onMove} onDelete={onDelete} status={statuses[s.name]} problems={problems[s.key] ?? 0} />
          ))}
          {steps.length === 0 && (
            <Box p="sm">
              <Text size="sm" c="dimmed">
                No steps yet. Add the first request.
              </Text>
            </Box>
          )}
        </Stack>
      </SortableContext>
    </DndContext>
  );
}

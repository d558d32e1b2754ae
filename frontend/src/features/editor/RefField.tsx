// A text input (or textarea) that understands @<<…>> references: typing "@<<"
// opens a completion list (earlier steps, then their parts, then the fields the
// last run's responses had, each with its value), and references that cannot
// resolve are underlined, with the reasons listed under the field.
import { Box, Group, Kbd, Paper, Popover, ScrollArea, Stack, Text, TextInput, Textarea, UnstyledButton } from '@mantine/core';
import { useId } from '@mantine/hooks';
import { useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';
import {
  applyCompletion,
  completions,
  completionTrigger,
  referenceProblems,
  type Completion,
  type CompletionTrigger,
  type ReferenceContext,
} from './references';

export interface RefFieldProps {
  label?: ReactNode;
  description?: ReactNode;
  placeholder?: string;
  value: string;
  onChange: (value: string) => void;
  context: ReferenceContext;
  /** An error from the server for this field. */
  error?: string | null;
  multiline?: boolean;
  minRows?: number;
  monospace?: boolean;
  'aria-label'?: string;
  'data-testid'?: string;
  leftSection?: ReactNode;
  rightSection?: ReactNode;
  style?: CSSProperties;
  onBlur?: () => void;
}

type Field = HTMLInputElement | HTMLTextAreaElement;

/** Copies the input's box metrics to the overlay so underlines sit under the text. */
function useMirror(field: React.RefObject<Field | null>, overlay: React.RefObject<HTMLDivElement | null>, deps: unknown[]) {
  useLayoutEffect(() => {
    const f = field.current;
    const o = overlay.current;
    if (!f || !o) return;
    const cs = getComputedStyle(f);
    for (const p of ['paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft', 'borderTopWidth', 'borderLeftWidth', 'fontFamily', 'fontSize', 'fontWeight', 'letterSpacing', 'lineHeight'] as const) {
      o.style[p] = cs[p];
    }
    o.style.borderStyle = 'solid';
    o.style.borderColor = 'transparent';
    o.style.whiteSpace = f instanceof HTMLTextAreaElement ? 'pre-wrap' : 'pre';
    o.style.overflowWrap = f instanceof HTMLTextAreaElement ? 'break-word' : 'normal';
    const parent = o.parentElement;
    if (parent) {
      const fr = f.getBoundingClientRect();
      const pr = parent.getBoundingClientRect();
      o.style.inset = 'auto';
      o.style.top = `${fr.top - pr.top}px`;
      o.style.left = `${fr.left - pr.left}px`;
      o.style.width = `${fr.width}px`;
      o.style.height = `${fr.height}px`;
    }
    o.scrollLeft = f.scrollLeft;
    o.scrollTop = f.scrollTop;
  }, deps);
}

export function RefField(props: RefFieldProps) {
  const { value, onChange, context, multiline } = props;
  const fieldRef = useRef<Field | null>(null);
  const overlayRef = useRef<HTMLDivElement | null>(null);
  const listId = useId();
  const [trigger, setTrigger] = useState<CompletionTrigger | null>(null);
  const [active, setActive] = useState(0);
  const [focused, setFocused] = useState(false);

  const allProblems = useMemo(() => referenceProblems(value, context), [value, context]);
  // The reference being typed is unfinished by nature: do not flag it while completing.
  const problems = focused && trigger ? allProblems.filter((p) => p.start !== trigger.start) : allProblems;
  const items = useMemo<Completion[]>(() => (trigger ? completions(trigger.prefix, context).slice(0, 50) : []), [trigger, context]);
  const open = focused && trigger !== null && items.length > 0;
  useMirror(fieldRef, overlayRef, [value, problems.length, multiline]);

  const refresh = (el: Field) => {
    const pos = el.selectionStart ?? el.value.length;
    const t = completionTrigger(el.value, pos);
    setTrigger(t);
    setActive(0);
  };

  const choose = (item: Completion) => {
    const el = fieldRef.current;
    if (!el || !trigger) return;
    const next = applyCompletion(value, trigger, item);
    onChange(next.text);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.cursor, next.cursor);
      setTrigger(completionTrigger(next.text, next.cursor));
      setActive(0);
    });
  };

  const onKeyDown = (e: KeyboardEvent<Field>) => {
    if (!open) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % items.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + items.length) % items.length);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      choose(items[Math.min(active, items.length - 1)]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setTrigger(null);
    }
  };

  const errorText = [props.error, ...problems.filter((p) => p.severity === 'error').map((p) => p.message)].filter(Boolean).join('\n');
  const warnings = problems.filter((p) => p.severity === 'warning');

  const common = {
    label: props.label,
    description: props.description,
    placeholder: props.placeholder,
    value,
    'aria-label': props['aria-label'],
    'data-testid': props['data-testid'],
    'aria-autocomplete': 'list' as const,
    'aria-expanded': open,
    'aria-controls': open ? listId : undefined,
    'aria-activedescendant': open ? `${listId}-${active}` : undefined,
    role: 'combobox',
    error: errorText || undefined,
    spellCheck: false,
    autoComplete: 'off',
    leftSection: props.leftSection,
    rightSection: props.rightSection,
    style: props.style,
    styles: props.monospace || multiline ? { input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 'var(--catena-mono-input-size)' } } : undefined,
    onKeyDown,
    onFocus: (e: React.FocusEvent<Field>) => {
      setFocused(true);
      refresh(e.currentTarget);
    },
    onBlur: () => {
      // Let a click on an option land before the list closes.
      setTimeout(() => setFocused(false), 150);
      props.onBlur?.();
    },
    onClick: (e: React.MouseEvent<Field>) => refresh(e.currentTarget),
    onKeyUp: (e: KeyboardEvent<Field>) => {
      if (!['ArrowDown', 'ArrowUp', 'Enter', 'Tab', 'Escape'].includes(e.key) || !open) refresh(e.currentTarget);
    },
    onScroll: (e: React.UIEvent<Field>) => {
      if (overlayRef.current) {
        overlayRef.current.scrollLeft = e.currentTarget.scrollLeft;
        overlayRef.current.scrollTop = e.currentTarget.scrollTop;
      }
    },
  };

  // The overlay repeats the text with each problem wrapped in <mark>, transparent
  // except for the wavy underline.
  const overlay: ReactNode[] = [];
  let at = 0;
  problems.forEach((p, i) => {
    if (p.start < at) return;
    overlay.push(value.slice(at, p.start));
    overlay.push(
      <mark key={i} data-severity={p.severity} title={p.message}>
        {value.slice(p.start, p.end)}
      </mark>,
    );
    at = p.end;
  });
  overlay.push(value.slice(at));

  return (
    <Popover opened={open} position="bottom-start" width="target" shadow="md" withinPortal trapFocus={false} returnFocus={false}>
      <Popover.Target>
        <Box pos="relative">
          {multiline ? (
            <Textarea
              {...common}
              ref={(el) => {
                fieldRef.current = el;
              }}
              autosize
              minRows={props.minRows ?? 3}
              maxRows={20}
              onChange={(e) => {
                onChange(e.currentTarget.value);
                refresh(e.currentTarget);
              }}
            />
          ) : (
            <TextInput
              {...common}
              ref={(el) => {
                fieldRef.current = el;
              }}
              onChange={(e) => {
                onChange(e.currentTarget.value);
                refresh(e.currentTarget);
              }}
            />
          )}
          {problems.length > 0 && (
            <div ref={overlayRef} className="ref-overlay" aria-hidden="true">
              {overlay}
            </div>
          )}
          {warnings.length > 0 && (
            <Stack gap={0} mt={2}>
              {warnings.map((w) => (
                <Text key={`${w.start}-${w.message}`} size="xs" c="yellow.7" role="note">
                  {w.message}
                </Text>
              ))}
            </Stack>
          )}
        </Box>
      </Popover.Target>
      <Popover.Dropdown p={4}>
        <ScrollArea.Autosize mah={260} type="auto" scrollbars="y">
          <Stack gap={0} id={listId} role="listbox" aria-label="References">
            {items.map((item, i) => (
              <UnstyledButton
                key={item.value}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                data-testid="ref-option"
                tabIndex={-1}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => choose(item)}
                onMouseEnter={() => setActive(i)}
                px="xs"
                py={4}
                style={{ borderRadius: 4, background: i === active ? 'var(--mantine-color-default-hover)' : undefined }}
              >
                <Group justify="space-between" wrap="nowrap" gap="md">
                  <Text size="sm" className="mono" truncate style={{ flex: '0 1 auto', maxWidth: '60%' }}>
                    {item.label}
                    {item.partial ? '…' : ''}
                  </Text>
                  <Text size="xs" c="dimmed" className="mono" truncate ta="right" style={{ flex: '1 1 0', minWidth: 0 }}>
                    {item.detail}
                  </Text>
                </Group>
              </UnstyledButton>
            ))}
          </Stack>
        </ScrollArea.Autosize>
        <Paper px="xs" pt={4}>
          <Text size="xs" c="dimmed">
            <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> to move, <Kbd size="xs">Enter</Kbd> to insert, <Kbd size="xs">Esc</Kbd> to close
          </Text>
        </Paper>
      </Popover.Dropdown>
    </Popover>
  );
}

// The one table from model type to renderer. A new model type means one new
// renderer module and one line here.

import {ButtonView, ToggleView} from "./buttons.js";
import {ChartView} from "./chart.js";
import {MultiSelectView, RadioGroupView, SelectView} from "./choices.js";
import {DataTableView} from "./data_table.js";
import {FileInputView} from "./file_input.js";
import {CheckboxView, DatePickerView, NumberInputView, TextAreaView, TextInputView} from "./inputs.js";
import {CardView, ColumnView, RowView} from "./layouts.js";
import {DivView, MarkdownView, NonVisualView, PaneView, UnsupportedView} from "./markup.js";
import {RangeSliderView, SliderView} from "./sliders.js";
import {TabsView} from "./tabs.js";

export const RENDERERS = {
  Div: DivView,
  Markdown: MarkdownView,
  Pane: PaneView,
  Button: ButtonView,
  Toggle: ToggleView,
  Checkbox: CheckboxView,
  Slider: SliderView,
  RangeSlider: RangeSliderView,
  TextInput: TextInputView,
  TextArea: TextAreaView,
  NumberInput: NumberInputView,
  DatePicker: DatePickerView,
  Select: SelectView,
  MultiSelect: MultiSelectView,
  RadioGroup: RadioGroupView,
  FileInput: FileInputView,
  Column: ColumnView,
  Row: RowView,
  Card: CardView,
  Tabs: TabsView,
  DataTable: DataTableView,
  Chart: ChartView,
  ColumnDataSource: NonVisualView,
};

export function rendererFor(type) {
  return Object.hasOwn(RENDERERS, type) ? RENDERERS[type] : UnsupportedView;
}

// Compile stubs of UnityEngine.UI (uGUI) for Mono's mcs, C# 7.2: what MonoBehaviour scripts use.
using UnityEngine.Events;

namespace UnityEngine.UI
{
    public class Graphic : Behaviour
    {
        public Color color { get; set; }
        public RectTransform rectTransform { get { return null; } }
        public bool raycastTarget { get; set; }
        public void CrossFadeAlpha(float alpha, float duration, bool ignoreTimeScale) { }
    }

    public class MaskableGraphic : Graphic { }

    public class Text : MaskableGraphic
    {
        public string text { get; set; }
        public int fontSize { get; set; }
    }

    public enum FillMethod { Horizontal, Vertical, Radial90, Radial180, Radial360 }
    public class Image : MaskableGraphic
    {
        public Sprite sprite { get; set; }
        public float fillAmount { get; set; }
        public FillMethod fillMethod { get; set; }
    }

    public class Selectable : Behaviour { public bool interactable { get; set; } }

    public class Button : Selectable
    {
        public class ButtonClickedEvent : UnityEvent { }
        public ButtonClickedEvent onClick { get; set; }
    }

    public class Slider : Selectable
    {
        public class SliderEvent : UnityEvent<float> { }
        public float value { get; set; }
        public float minValue { get; set; }
        public float maxValue { get; set; }
        public SliderEvent onValueChanged { get; set; }
    }

    public class Toggle : Selectable { public bool isOn { get; set; } }
}
